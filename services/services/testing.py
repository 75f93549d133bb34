"""Run one or several services in one process, over FastStream's in-memory broker and a
real PostgreSQL, with a clock the test moves: use-case tests that finish in well under a
second. (The proof that the system works stays with the tests on the real broker.)

    async with InProcessPlatform(databases, services=["intake", "router"]) as platform:
        await platform.client("intake").post("/appeals", json={...})
        await platform.settled()
        assert platform.published_types("appeal.events") == ["AppealRouted"]

`ServiceDatabases` prepares each service's database once (chassis and service
migrations, a city) as a template, and clones a fresh copy for every test.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker, KafkaMessage, TestKafkaBroker
from sqlalchemy import text
from sqlalchemy.engine import make_url

from contracts.declarations import ServiceDeclaration, declaration_of, declared_services
from contracts.envelope import Event
from contracts.events import decode_event
from services.adapters import Adapters
from services.clock import Clock, FakeClock
from services.db import Database
from services.discovery import app_factory, city_loader, settings_class
from services.identity import Role
from services.kafka import TopicSpec, make_broker
from services.local_issuer import LocalIssuer
from services.migrations import upgrade
from services.runtime import ServiceRuntime
from services.sms import RecordingSmsGateway

IN_MEMORY = "in-memory:9092"
"""The bootstrap address the services are given: nothing listens there."""


class InMemoryTopics:
    """The topic admin of the in-memory broker: topics need no creating, only noting."""

    def __init__(self) -> None:
        self.created: set[str] = set()

    async def ensure(self, specs: Any) -> list[str]:
        names = [spec.name for spec in specs if isinstance(spec, TopicSpec)]
        new = [n for n in names if n not in self.created]
        self.created.update(names)
        return new


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class ServiceDatabases:
    """Template databases, migrated and loaded with a city once; a fresh clone per test."""

    def __init__(self, server_url: str, city: Path | None) -> None:
        self._server = server_url.rstrip("/")
        self._city = city
        self._templates: dict[str, str] = {}
        self._lock = asyncio.Lock()

    async def template(self, declaration: ServiceDeclaration) -> str:
        async with self._lock:
            if declaration.name not in self._templates:
                name = f"tmpl_{declaration.database}_{uuid4().hex[:8]}"
                url = f"{self._server}/{name}"
                await asyncio.to_thread(upgrade, f"{declaration.package}:store/migrations", url)
                if self._city is not None:
                    settings = settings_class(declaration)(
                        database_url=url, kafka_bootstrap_servers=IN_MEMORY
                    )
                    db = Database(url)
                    try:
                        await city_loader(declaration)(settings, db, self._city, InMemoryTopics())
                    finally:
                        await db.dispose()
                self._templates[declaration.name] = name
            return self._templates[declaration.name]

    async def fresh(self, declaration: ServiceDeclaration) -> str:
        """A new database, a copy of the service's template."""
        template = await self.template(declaration)
        name = f"{declaration.database}_{uuid4().hex[:8]}"
        conn = await asyncpg.connect(_plain(f"{self._server}/postgres"))
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await conn.close()
        return f"{self._server}/{name}"


@dataclass
class Published:
    topic: str
    event: Event


@dataclass
class DeadLetter:
    topic: str
    reason: str
    body: bytes


@dataclass
class RunningService:
    declaration: ServiceDeclaration
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime


@dataclass
class InProcessPlatform:
    """Services sharing one in-memory broker; each with its own real database."""

    databases: ServiceDatabases
    services: Sequence[str] = ()
    """Names or packages of the services to run (default: every declared one)."""
    clock: Clock = field(default_factory=FakeClock)
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Extra settings per service name, e.g. {"router": {"max_redirects": 1}}."""
    issuer: LocalIssuer = field(default_factory=LocalIssuer.generate)
    """Signs the callers' tokens (`auth`); every service trusts it."""
    sms: RecordingSmsGateway = field(default_factory=RecordingSmsGateway)
    """Every text message a service sends (phone sign-in codes)."""
    published: list[Published] = field(default_factory=list, init=False)
    dead_letters: list[DeadLetter] = field(default_factory=list, init=False)
    """Messages a consumer parked on a dead-letter topic, with its reason."""
    running: dict[str, RunningService] = field(default_factory=dict, init=False)
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack, init=False)

    async def __aenter__(self) -> "InProcessPlatform":
        chosen = [declaration_of(s) for s in self.services] or list(declared_services())
        brokers: list[KafkaBroker] = []
        apps: list[tuple[ServiceDeclaration, FastAPI]] = []
        for declaration in chosen:
            url = await self.databases.fresh(declaration)
            settings = settings_class(declaration)(
                database_url=url,
                kafka_bootstrap_servers=IN_MEMORY,
                identity_issuers=[self.issuer.trusted()],
                **self.settings.get(declaration.name, {}),
            )
            broker = make_broker(IN_MEMORY, declaration.name)
            brokers.append(broker)
            adapters = Adapters(
                broker=broker, clock=self.clock, topics=InMemoryTopics(), sms=self.sms
            )
            app = app_factory(declaration)(settings, adapters)
            apps.append((declaration, app))
        brokers[0].subscriber(pattern=".*")(self._record)
        try:
            await self._stack.enter_async_context(in_memory(*brokers))
            for declaration, app in apps:
                await self._stack.enter_async_context(_lifespan(app))
                client = httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url=f"http://{declaration.name}"
                )
                await self._stack.enter_async_context(client)
                self.running[declaration.name] = RunningService(declaration, app, client)
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    async def _record(self, message: KafkaMessage) -> None:
        record = message.raw_message
        assert not isinstance(record, tuple)
        reason = message.headers.get("dlq-reason")
        if reason is not None:
            self.dead_letters.append(DeadLetter(record.topic, str(reason), message.body))
            return
        try:
            event = decode_event(message.body)
        except ValueError:
            return
        self.published.append(Published(record.topic, event))

    def service(self, name: str) -> RunningService:
        return self.running[declaration_of(name).name]

    def auth(
        self, role: Role, *, organisation: str | None = None, subject: str | None = None
    ) -> dict[str, str]:
        """Headers of a caller with `role` (executor staff: of `organisation`), their token
        issued now by the platform's clock."""
        token = self.issuer.token(
            subject or f"{role}-{organisation or 'test'}",
            [role],
            organisation=organisation,
            now=self.clock.now().timestamp(),
        )
        return {"Authorization": f"Bearer {token}"}

    def client(self, name: str) -> httpx.AsyncClient:
        return self.service(name).client

    def published_types(self, topic: str | None = None) -> list[str]:
        return [p.event.type for p in self.published if topic is None or p.topic == topic]

    async def settled(self, timeout_s: float = 10.0) -> None:
        """Wait until every outbox is empty, every relay idle and nothing more is being
        published — seen twice in a row, since one service's handler may commit new rows
        while another service's outbox is being counted."""
        deadline = time.monotonic() + timeout_s
        quiet_passes = 0
        while quiet_passes < 2:
            seen = len(self.published)
            idle = all(r.runtime.relay.idle for r in self.running.values())
            backlog = 0
            for running in self.running.values():
                async with running.runtime.db.session() as session:
                    sql = await session.connection()
                    count = await sql.execute(text("SELECT count(*) FROM outbox_messages"))
                    backlog += count.scalar_one()
            quiet = idle and backlog == 0 and seen == len(self.published)
            quiet_passes = quiet_passes + 1 if quiet else 0
            if not quiet and time.monotonic() > deadline:
                raise TimeoutError(f"still {backlog} outbox rows after {timeout_s} s")
            await asyncio.sleep(0.01)


def in_memory(*brokers: KafkaBroker) -> TestKafkaBroker[tuple[KafkaBroker, ...]]:
    """Brokers that deliver to each other's subscribers in memory (FastStream's test
    broker): the fake every use-case test runs on, and that the broker contract tests
    hold to real Kafka's promises."""
    return TestKafkaBroker(*brokers)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with app.router.lifespan_context(app):
        yield
