"""Retry policies (tenacity): what counts as a transient fault and how long to wait.

A fault is transient when something in its cause chain says a dependency is down or busy:
a refused, reset or closed connection, a PostgreSQL SQLSTATE of class 08 (connection
exception) or one of `TRANSIENT_SQLSTATES`, an exhausted connection pool, an unreachable
Kafka broker, or `RetryLater`. asyncpg's errors reach us wrapped by SQLAlchemy (a
`DBAPIError` whose `orig` carries the `sqlstate` and whose `__cause__` is asyncpg's own
exception), so the whole chain is examined, never just the outermost type.
"""

from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import asyncpg
import structlog
from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_delay,
    stop_before_delay,
    wait_exponential_jitter,
)

log = structlog.get_logger(__name__)
T = TypeVar("T")

TRANSIENT_SQLSTATES = frozenset(
    {
        "57P01",  # admin_shutdown: the server is shutting down
        "57P02",  # crash_shutdown: another backend crashed, the server restarts
        "57P03",  # cannot_connect_now: "the database system is starting up"
        "53300",  # too_many_connections
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
    }
)
TRANSIENT_SQLSTATE_CLASSES = ("08",)  # connection_exception and its subclasses

_PERMANENT_ASYNCPG_INTERFACE_ERRORS = (
    asyncpg.exceptions.ClientConfigurationError,
    asyncpg.exceptions.UnsupportedClientFeatureError,
    asyncpg.exceptions.UnsupportedServerFeatureError,
)


class RetryLater(Exception):
    """Raised by a handler that cannot act yet but will be able to (e.g. not configured)."""


def is_transient(error: BaseException) -> bool:
    """Whether a later attempt may succeed: some error in `error`'s cause chain is a
    dependency's fault (see the module's docstring), not the message's or the code's."""
    return any(_is_transient_itself(cause) for cause in causes(error))


def causes(error: BaseException) -> Iterator[BaseException]:
    """`error`, then what it wraps (SQLAlchemy's `orig`), was raised from or while
    handling — the chain a traceback prints — each once."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException):
            pending.append(orig)
        if current.__cause__ is not None:
            pending.append(current.__cause__)
        elif current.__context__ is not None and not current.__suppress_context__:
            pending.append(current.__context__)


def _is_transient_itself(error: BaseException) -> bool:
    if isinstance(error, RetryLater | OSError | PoolTimeoutError | DisconnectionError):
        return True  # OSError: ConnectionError (refused, reset, aborted), TimeoutError…
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, asyncpg.exceptions.InterfaceError):
        # "connection is closed", "connection was closed in the middle of operation"…
        return not isinstance(error, _PERMANENT_ASYNCPG_INTERFACE_ERRORS)
    if isinstance(error, KafkaConnectionError | KafkaTimeoutError):
        return True
    if isinstance(error, KafkaError):
        return bool(getattr(error, "retriable", False))
    # asyncpg's PostgresError subclasses and SQLAlchemy's adapted `orig` carry the code.
    return _is_transient_sqlstate(
        getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    )


def _is_transient_sqlstate(code: object) -> bool:
    return isinstance(code, str) and (
        code in TRANSIENT_SQLSTATES or code.startswith(TRANSIENT_SQLSTATE_CLASSES)
    )


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning(
        "transient fault, retrying",
        attempt=state.attempt_number,
        retry_in_s=round(state.next_action.sleep, 2) if state.next_action else None,
        error=repr(error),
    )


async def with_retries(
    call: Callable[[], Awaitable[T]], *, give_up_after_s: float, max_wait_s: float = 3.0
) -> T:
    """Call `call`, retrying transient faults with exponential backoff (capped at
    `max_wait_s`, with jitter) and logging each attempt. The last fault is raised once the
    next wait would end later than `give_up_after_s` after the first call; any other
    fault at once."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(is_transient),
        wait=wait_exponential_jitter(multiplier=0.1, max=max_wait_s, jitter=0.2),
        stop=stop_before_delay(give_up_after_s),
        before_sleep=_log_retry,
        reraise=True,
    ):
        with attempt:
            return await call()
    raise AssertionError("unreachable")


async def wait_until_up(what: str, call: Callable[[], Awaitable[object]], timeout_s: float) -> None:
    """At startup: keep trying `call` until it succeeds or `timeout_s` passes."""
    async for attempt in AsyncRetrying(
        wait=wait_exponential_jitter(multiplier=0.2, max=3.0),
        stop=stop_after_delay(timeout_s),
        before_sleep=lambda s: log.info("waiting for dependency", dependency=what),
        reraise=True,
    ):
        with attempt:
            await call()
    log.info("dependency is up", dependency=what)
