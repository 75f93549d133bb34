"""structlog configuration: JSON lines with ids bound from context variables."""

import logging
import sys

import structlog


def configure_logging(service_name: str, level: str = "INFO", fmt: str = "json") -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service_name)
    # Libraries (uvicorn, aiokafka, faststream) log through the standard library.
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stdout,
        format='{"level": "%(levelname)s", "logger": "%(name)s", "event": "%(message)s"}',
        force=True,
    )
