"""The composition every service shares: database, broker, outbox relay, consumers, HTTP.

A service's `app.py` builds one `ServiceRuntime`, registers its consumers and routers,
and returns `runtime.http_app(...)`. Clients connect in the lifespan, never at import.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, TypeVar, cast

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest, start_http_server

from contracts.declarations import ServiceDeclaration, Subscription, UndeclaredTraffic
from contracts.topics import STAFF_ROLES
from services import inbox
from services.access import document_access, public
from services.adapters import REAL, Adapters
from services.clock import Clock, SystemClock
from services.consumers import EventConsumer, Handlers
from services.db import Database
from services.http_limits import install_request_limits
from services.http_responses import COMMON_RESPONSES
from services.identity import JwtVerifier, TokenVerifier
from services.jobs import Job, JobBody, JobRunner
from services.kafka import KafkaPublisher, KafkaTopicAdmin, TopicAdmin, make_broker
from services.logs import configure_logging
from services.outbox import OutboxRelay
from services.retry import wait_until_up
from services.settings import ServiceSettings
from services.staff_roles import STAFF_ROLE_HANDLERS, StoredStaffGrants, WithStaffRoles
from services.unavailable import answer_503_while_unavailable

log = structlog.get_logger(__name__)

StartupHook = Callable[[], Awaitable[None]]
T = TypeVar("T")
Checks = dict[str, str]
"""What `/health/ready` says of each dependency: "ok", or why not."""


class ServiceRuntime:
    """Wires one service from its declaration. The adapters are a parameter — the real
    ones by default — so a test can run the same service over an in-memory broker and a
    clock it moves by hand (see `services.testing`)."""

    def __init__(
        self,
        declaration: ServiceDeclaration,
        settings: ServiceSettings,
        adapters: Adapters = REAL,
    ) -> None:
        if settings.service_name != declaration.name:
            raise ValueError(
                f"settings name the service {settings.service_name!r},"
                f" its declaration {declaration.name!r}"
            )
        configure_logging(settings.service_name, settings.log_level, settings.log_format)
        self.declaration = declaration
        self.settings = settings
        self.clock: Clock = adapters.clock or SystemClock()
        self.db = Database(
            settings.database_url,
            pool_size=settings.db_pool_size,
            pre_ping=settings.db_pool_pre_ping,
            declaration=declaration,
        )
        self.broker = adapters.broker or make_broker(settings.kafka, settings.service_name)
        self.identity: TokenVerifier = WithStaffRoles(
            adapters.identity
            or JwtVerifier(
                settings.identity_issuers, self.clock, leeway_s=settings.identity_leeway_s
            ),
            adapters.staff_grants or StoredStaffGrants(self.db),
            settings.identity_issuers,
        )
        self.topics: TopicAdmin = adapters.topics or KafkaTopicAdmin(settings.kafka)
        self.relay = OutboxRelay(
            self.db,
            KafkaPublisher(self.broker),
            service=settings.service_name,
            batch_size=settings.outbox_batch_size,
            poll_interval_s=settings.outbox_poll_interval_s,
        )
        self.jobs = JobRunner(
            self.db, self.clock, service=settings.service_name, takeover_s=settings.jobs_takeover_s
        )
        self.every(settings.inbox_prune_every_s, "inbox-prune", self._prune_inbox)
        self.subscriptions: list[Subscription] = []
        self._startup_hooks: list[StartupHook] = []
        self._own_tasks: list[tuple[str, Callable[[], Coroutine[Any, Any, None]]]] = []
        self._shutdown_hooks: list[StartupHook] = []
        self._background: list[asyncio.Task[None]] = []
        self.consume(STAFF_ROLE_HANDLERS, STAFF_ROLES, group="staff-roles")

    def consume(
        self,
        handlers: Handlers,
        address: str,
        *,
        group: str | None = None,
        broadcast: bool = False,
    ) -> EventConsumer:
        """Apply `handlers` to events from the topic `address` (or every topic matching a
        channel address with `{parameters}`): once per service through its consumer group,
        or in every process with `broadcast`. Refused unless the declaration lists it."""
        subscription = Subscription(address, tuple(handlers), group=group, broadcast=broadcast)
        self.declaration.check_subscription(subscription)
        consumer = EventConsumer(
            name=self.settings.service_name,
            db=self.db,
            broker=self.broker,
            topics=self.topics,
            handlers=handlers,
            broadcast=broadcast,
            batch_size=self.settings.consumer_batch_size,
            batch_wait_ms=self.settings.consumer_batch_wait_ms,
        )
        consumer.subscribe(
            topic=None if subscription.is_pattern else address,
            pattern=subscription.pattern,
            group_id=self.declaration.group_of(subscription),
        )
        self.subscriptions.append(subscription)
        return consumer

    def in_background(self, name: str, run: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run `run()` for the service's lifetime (started after the consumers' broker,
        cancelled at shutdown); it must handle its own errors and never return."""
        self._own_tasks.append((name, run))

    def every(self, seconds: float, name: str, job: JobBody) -> Job:
        """Run `job` every `seconds` in exactly one instance of the service (the leader)."""
        return self.jobs.add(name, seconds, job)

    async def _prune_inbox(self) -> None:
        retention = timedelta(days=self.settings.inbox_retention_days)
        removed = await inbox.prune(
            self.db, self.settings.service_name, self.clock.now() - retention
        )
        if removed:
            log.info("pruned the inbox", removed=removed)

    def on_shutdown(self, hook: StartupHook) -> None:
        """Run `hook` when the service stops (close the clients it made)."""
        self._shutdown_hooks.append(hook)

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
        self._background.append(asyncio.create_task(self.jobs.run(), name="periodic-jobs"))
        for name, run in self._own_tasks:
            self._background.append(asyncio.create_task(run(), name=name))
        metrics_server = self._serve_metrics_apart()
        log.info("service started", port=self.settings.http_port)
        try:
            yield
        finally:
            if metrics_server is not None:
                metrics_server.shutdown()
            for task in self._background:
                task.cancel()
            # Each step is bounded: a shutdown never hangs on one stuck part.
            await _bounded(
                "background tasks", asyncio.gather(*self._background, return_exceptions=True)
            )
            await _bounded("the broker", self.broker.stop())
            for hook in self._shutdown_hooks:
                await _bounded("a shutdown hook", hook())
            await _bounded("the database pool", self.db.dispose())
            log.info("service stopped")

    def _serve_metrics_apart(self) -> Any:
        """With `metrics_port`, /metrics is served there alone (an internal port, kept off
        the API's); returns the server to shut down, or None."""
        port = self.settings.metrics_port
        if port is None:
            return None
        server, _thread = start_http_server(port, addr=self.settings.http_host)
        return server

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
        self,
        *,
        title: str,
        description: str,
        routers: Sequence[APIRouter] = (),
        larger_bodies: Mapping[str, int] | None = None,
    ) -> FastAPI:
        """The service's ASGI app; every declared subscription must be made by now. Bodies
        are limited to 1 MiB but on the paths `larger_bodies` matches (regex → bytes)."""
        missing = [s for s in self.declaration.consumes if s not in self.subscriptions]
        if missing:
            raise UndeclaredTraffic(
                f"{self.declaration.name} declares subscriptions it never makes: "
                + ", ".join(f"{s.address} {sorted(s.event_names)}" for s in missing)
            )
        docs = self.settings.docs_enabled
        app = FastAPI(
            title=title,
            description=description,
            lifespan=self.lifespan,
            responses=COMMON_RESPONSES,
            docs_url="/docs" if docs else None,
            redoc_url="/redoc" if docs else None,
            openapi_url="/openapi.json" if docs else None,
        )
        app.state.runtime = self
        answer_503_while_unavailable(app)
        install_request_limits(app, larger_bodies=larger_bodies)
        app.include_router(self._operations_router())
        for router in routers:
            app.include_router(router)
        document_access(app)
        return app

    def _operations_router(self) -> APIRouter:
        ops = APIRouter(tags=["operations"], dependencies=[Depends(public())])

        @ops.get("/health/live", summary="The process is up")
        async def live() -> dict[str, str]:
            return {"status": "ok"}

        @ops.get(
            "/health/ready",
            summary="PostgreSQL and Kafka answer",
            responses={503: {"description": "a dependency does not answer", "model": Checks}},
        )
        async def ready() -> JSONResponse:
            checks = await self.ready()
            healthy = all(v == "ok" for v in checks.values())
            return JSONResponse(checks, status_code=200 if healthy else 503)

        if self.settings.metrics_port is None:

            @ops.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
            async def metrics() -> Response:
                return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

        return ops


async def runtime_of(request: Request) -> ServiceRuntime:
    """FastAPI dependency: the runtime of the app serving `request`."""
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def from_app_state(kind: type[T], attribute: str) -> Callable[[Request], Awaitable[T]]:
    """A FastAPI dependency giving what the composition root put on `app.state`:
    `Annotated[Casework, Depends(from_app_state(Casework, "casework"))]`."""

    async def dependency(request: Request) -> T:  # async: FastAPI runs a plain def in a thread
        return cast(T, getattr(request.app.state, attribute))

    return dependency


SHUTDOWN_STEP_S = 15.0
"""How long one step of a service's shutdown may take before it is abandoned (logged)."""


async def _bounded(what: str, step: Awaitable[Any]) -> None:
    """Await `step` for at most SHUTDOWN_STEP_S; a step still running then is cancelled and
    left (`asyncio.wait` does not wait for a cancellation a stuck step may ignore)."""
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=SHUTDOWN_STEP_S)
    if not done:
        task.cancel()
        log.error("shutdown step did not finish; going on without it", step=what)
    elif not task.cancelled() and (error := task.exception()) is not None:
        raise error
