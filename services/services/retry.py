"""Retry policies (tenacity): what counts as a transient fault and how long to wait."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from aiokafka.errors import KafkaConnectionError, KafkaError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

log = structlog.get_logger(__name__)
T = TypeVar("T")


class RetryLater(Exception):
    """Raised by a handler that cannot act yet but will be able to (e.g. not configured)."""


def is_transient(error: BaseException) -> bool:
    """Faults that a later attempt may not meet: the infrastructure's, or `RetryLater`."""
    if isinstance(error, RetryLater):
        return True
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)
    return isinstance(error, ConnectionError | TimeoutError | OSError | KafkaConnectionError) or (
        isinstance(error, KafkaError) and getattr(error, "retriable", False)
    )


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning("transient fault, retrying", attempt=state.attempt_number, error=repr(error))


async def with_retries(
    call: Callable[[], Awaitable[T]], *, attempts: int = 5, max_wait_s: float = 5.0
) -> T:
    """Call `call`, retrying transient faults with exponential backoff and jitter."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(is_transient),
        wait=wait_exponential_jitter(initial=0.1, max=max_wait_s),
        stop=stop_after_attempt(attempts),
        before_sleep=_log_retry,
        reraise=True,
    ):
        with attempt:
            return await call()
    raise AssertionError("unreachable")


async def wait_until_up(what: str, call: Callable[[], Awaitable[object]], timeout_s: float) -> None:
    """At startup: keep trying `call` until it succeeds or `timeout_s` passes."""
    async for attempt in AsyncRetrying(
        wait=wait_exponential_jitter(initial=0.2, max=3.0),
        stop=stop_after_delay(timeout_s),
        before_sleep=lambda s: log.info("waiting for dependency", dependency=what),
        reraise=True,
    ):
        with attempt:
            await call()
    log.info("dependency is up", dependency=what)
