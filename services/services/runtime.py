"""The composition every service shares: database, broker, outbox relay, consumers, HTTP.

A service's `app.py` builds one `ServiceRuntime`, registers its consumers and routers,
and returns `runtime.http_app(...)`. Clients connect in the lifespan, never at import.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.consumers import EventConsumer, Handlers
from services.db import Database
from services.kafka import KafkaPublisher, make_broker
from services.logs import configure_logging
from services.outbox import OutboxRelay
from services.retry import wait_until_up
from services.settings import ServiceSettings

log = structlog.get_logger(__name__)

StartupHook = Callable[[], Awaitable[None]]


class ServiceRuntime:
    def __init__(self, settings: ServiceSettings) -> None:
        configure_logging(settings.service_name, settings.log_level, settings.log_format)
        self.settings = settings
        self.db = Database(settings.database_url)
        self.broker = make_broker(settings.kafka_bootstrap_servers, settings.service_name)
        self.relay = OutboxRelay(
            self.db,
            KafkaPublisher(self.broker),
            service=settings.service_name,
            batch_size=settings.outbox_batch_size,
            poll_interval_s=settings.outbox_poll_interval_s,
        )
        self._startup_hooks: list[StartupHook] = []
        self._background: list[asyncio.Task[None]] = []

    def consume(
        self,
        handlers: Handlers,
        *,
        topic: str | None = None,
        pattern: str | None = None,
        group: str | None = None,
        broadcast: bool = False,
    ) -> EventConsumer:
        """Apply `handlers` to events from `topic` (or topics matching `pattern`): once per
        service through its consumer group, or in every process with `broadcast`."""
        consumer = EventConsumer(
            name=self.settings.service_name,
            db=self.db,
            broker=self.broker,
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            handlers=handlers,
            broadcast=broadcast,
        )
        consumer.subscribe(topic=topic, pattern=pattern, group=group)
        return consumer

    def on_startup(self, hook: StartupHook) -> None:
        """Run `hook` once the database answers and before consumers start."""
        self._startup_hooks.append(hook)

    @asynccontextmanager
    async def lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        timeout = self.settings.startup_timeout_s
        await wait_until_up("postgresql", self.db.ping, timeout)
        for hook in self._startup_hooks:
            await hook()
        await wait_until_up("kafka", self._connect_broker, timeout)
        await self.broker.start()
        self._background.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        log.info("service started", port=self.settings.http_port)
        try:
            yield
        finally:
            for task in self._background:
                task.cancel()
            await asyncio.gather(*self._background, return_exceptions=True)
            await self.broker.stop()
            await self.db.dispose()
            log.info("service stopped")

    async def _connect_broker(self) -> None:
        await self.broker.connect()
        if not await self.broker.ping(timeout=5.0):
            raise ConnectionError("Kafka did not answer a metadata request")

    async def ready(self) -> dict[str, Any]:
        checks: dict[str, Any] = {}
        try:
            await asyncio.wait_for(self.db.ping(), timeout=2.0)
            checks["postgresql"] = "ok"
        except Exception as error:  # a readiness probe reports, it does not raise
            checks["postgresql"] = repr(error)
        checks["kafka"] = "ok" if await self.broker.ping(timeout=2.0) else "unreachable"
        return checks

    def http_app(
        self, *, title: str, description: str, routers: Sequence[APIRouter] = ()
    ) -> FastAPI:
        app = FastAPI(title=title, description=description, lifespan=self.lifespan)
        app.state.runtime = self
        app.include_router(self._operations_router())
        for router in routers:
            app.include_router(router)
        return app

    def _operations_router(self) -> APIRouter:
        ops = APIRouter(tags=["operations"])

        @ops.get("/health/live", summary="The process is up")
        async def live() -> dict[str, str]:
            return {"status": "ok"}

        @ops.get("/health/ready", summary="PostgreSQL and Kafka answer")
        async def ready() -> JSONResponse:
            checks = await self.ready()
            healthy = all(v == "ok" for v in checks.values())
            return JSONResponse(checks, status_code=200 if healthy else 503)

        @ops.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
        async def metrics() -> Response:
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

        return ops


def runtime_of(request: Request) -> ServiceRuntime:
    """FastAPI dependency: the runtime of the app serving `request`."""
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime
