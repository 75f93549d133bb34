"""While a dependency is down an HTTP API answers 503 with `Retry-After`, never 500.

The fault is classified by `services.retry.is_transient`: a database that refuses
connections, is restarting or has no free connection; a Kafka broker that does not answer.
Anything else keeps FastAPI's usual handling (a bug is still a 500).
"""

import asyncpg
import structlog
from aiokafka.errors import KafkaError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from services.retry import RetryLater, is_transient

log = structlog.get_logger(__name__)

RETRY_AFTER_S = 5
"""What a client is told to wait: about as long as PostgreSQL takes to restart."""

DEPENDENCY_FAULTS: tuple[type[Exception], ...] = (
    SQLAlchemyError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    OSError,
    KafkaError,
    RetryLater,
)
"""The exception classes a transient fault surfaces as (then told apart by cause)."""


def answer_503_while_unavailable(app: FastAPI, *, retry_after_s: int = RETRY_AFTER_S) -> None:
    """Install on `app` the handler that turns a transient fault into 503 + Retry-After."""

    async def unavailable(request: Request, error: Exception) -> JSONResponse:
        if not is_transient(error):
            raise error
        log.warning(
            "dependency unavailable; answered 503",
            method=request.method,
            path=request.url.path,
            error=repr(error)[:500],
        )
        return JSONResponse(
            {
                "detail": "temporarily unavailable: the database or the message broker does"
                f" not answer; retry in {retry_after_s} s"
            },
            status_code=503,
            headers={"Retry-After": str(retry_after_s)},
        )

    for fault in DEPENDENCY_FAULTS:
        app.add_exception_handler(fault, unavailable)
