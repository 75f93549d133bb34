"""Quiet at rest: an idle relay runs no transactions, yet publishes promptly when woken;
the running services make no commits at all when nothing happens."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from uuid import uuid4

import httpx
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import make_url, text

from contracts.events import AppealAccepted, AppealAcceptedPayload
from services.db import Database
from services.migrations import create_database_if_missing
from services.outbox import RELAY_LOCK_ID, OutboxMessage, OutboxRelay, stage
from tests.integration.idle import Watched, measure_idle
from tests.integration.platform import Platform, ServiceProcess

QUIET_S = 5.0
"""How long an idle relay is watched for transactions."""

WAIT_S = 60.0
"""Generous bound for anything awaited on this busy, shared host."""


class Recorder:
    """A publisher that keeps the event ids it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_batch(
        self, messages: list[tuple[str, bytes | None, bytes, dict[str, str]]]
    ) -> None:
        self.sent.extend(headers["event-id"] for _, _, _, headers in messages)


@pytest.fixture
async def db(postgres_url: str) -> AsyncIterator[Database]:
    database = Database(f"{postgres_url}/quiet_{uuid4().hex[:8]}")
    await create_database_if_missing(database.url)
    async with database.engine.begin() as conn:
        await conn.run_sync(OutboxMessage.metadata.create_all)
    yield database
    await database.dispose()


@pytest.fixture
async def replica(db: Database) -> AsyncIterator[Database]:
    """The same database as another replica of the service sees it: it announces what it
    stages (its relay is built) but its relay does not run, so only NOTIFY can tell ours."""
    other = Database(db.url)
    OutboxRelay(other, Recorder(), service=f"replica-{uuid4().hex[:8]}")
    yield other
    await other.dispose()


@asynccontextmanager
async def running(relay: OutboxRelay) -> AsyncIterator[None]:
    task = asyncio.create_task(relay.run())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def eventually(probe: Callable[[], bool], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not probe():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def passes(service: str) -> float:
    return REGISTRY.get_sample_value("appeals_outbox_passes_total", {"service": service}) or 0.0


async def stage_one(db: Database) -> str:
    event = AppealAccepted(
        appeal_id=uuid4(),
        producer="test",
        correlation_id=uuid4(),
        payload=AppealAcceptedPayload(executor_id="uk-1"),
    )
    async with db.transaction() as session:
        stage(session, event, "anywhere")
    return str(event.event_id)


async def listeners(db: Database) -> list[int]:
    """Process ids of the server backends LISTENing in `db`."""
    async with db.engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND query ILIKE 'LISTEN%'"
            )
        )
        return [int(pid) for pid in found.scalars()]


def relay_of(db: Database) -> tuple[OutboxRelay, Recorder, str]:
    recorder, service = Recorder(), f"quiet-{uuid4().hex[:8]}"
    return OutboxRelay(db, recorder, service=service, poll_interval_s=0.2), recorder, service


async def test_an_idle_relay_runs_no_transactions_and_wakes_on_a_local_commit(
    db: Database,
) -> None:
    relay, published, service = relay_of(db)
    async with running(relay):
        await eventually(lambda: relay.listening and relay.at_rest, "the relay to rest")
        before = passes(service)
        await asyncio.sleep(QUIET_S)
        assert passes(service) == before, "an idle relay polled the database"

        async with db.transaction() as session:  # a commit that stages nothing
            await (await session.connection()).execute(text("SELECT 1"))
        event_id = await stage_one(db)
        await eventually(lambda: published.sent == [event_id], "the staged event")
        await eventually(lambda: relay.at_rest, "the relay to rest again")


async def test_rows_another_replica_stages_are_published_on_its_notification(
    db: Database, replica: Database
) -> None:
    relay, published, _ = relay_of(db)
    async with running(relay):
        await eventually(lambda: relay.listening and relay.at_rest, "the relay to rest")
        event_id = await stage_one(replica)
        await eventually(lambda: published.sent == [event_id], "the other replica's event")


async def test_startup_drains_rows_a_dead_process_left(db: Database) -> None:
    left = Database(db.url)  # no relay: nothing announced, as if it died right after commit
    event_ids = [await stage_one(left) for _ in range(3)]
    await left.dispose()
    relay, published, _ = relay_of(db)
    async with running(relay):
        await eventually(lambda: published.sent == event_ids, "the rows left behind")


async def test_a_relay_that_finds_the_lock_taken_polls_until_it_gets_it(
    db: Database, replica: Database
) -> None:
    relay, published, service = relay_of(db)
    holder = await db.listening_connection()
    try:
        async with running(relay):
            await eventually(lambda: relay.listening and relay.at_rest, "the relay to rest")
            await holder.execute("SELECT pg_advisory_lock($1)", RELAY_LOCK_ID)
            event_id = await stage_one(replica)
            tried = passes(service)
            await eventually(lambda: passes(service) >= tried + 3, "the relay to poll")
            assert published.sent == [], "published while another instance held the lock"

            await holder.execute("SELECT pg_advisory_unlock($1)", RELAY_LOCK_ID)
            await eventually(lambda: published.sent == [event_id], "the event after the lock")
            await eventually(lambda: relay.at_rest, "the relay to stop polling")
    finally:
        await holder.close()


async def test_the_relay_listens_again_after_its_connection_is_killed(
    db: Database, replica: Database
) -> None:
    relay, published, _ = relay_of(db)
    async with running(relay):
        await eventually(lambda: relay.listening and relay.at_rest, "the relay to rest")
        [killed] = await listeners(db)
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": killed})
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while await listeners(db) in ([killed], []):
            assert asyncio.get_running_loop().time() < deadline, "the relay never listened again"
            await asyncio.sleep(0.05)
        await eventually(lambda: relay.listening and relay.at_rest, "the relay to rest again")
        event_id = await stage_one(replica)
        await eventually(lambda: published.sent == [event_id], "the event after reconnecting")


async def relay_passes(platform: Platform) -> dict[str, float]:
    """appeals_outbox_passes_total of every running service, from its /metrics."""
    found: dict[str, float] = {}
    async with httpx.AsyncClient(timeout=10) as client:
        for service in platform.services:
            page = (await client.get(f"{service.url}/metrics")).text
            found[service.module] = sum(
                sample.value
                for family in text_string_to_metric_families(page)
                if family.name == "appeals_outbox_passes"
                for sample in family.samples
                if sample.name.endswith("_total")
            )
    return found


async def relays_at_rest(platform: Platform) -> bool:
    """No relay ran a pass over the next second (earlier tests' traffic has settled)."""
    before = await relay_passes(platform)
    await asyncio.sleep(1.0)
    return await relay_passes(platform) == before


def watched(service: ServiceProcess) -> Watched:
    assert service.process is not None
    return Watched(service.process.pid, str(make_url(service.database_url).database))


async def test_idle_services_touch_their_databases_not_at_all(
    platform: Platform, postgres_url: str
) -> None:
    services = {service.module: watched(service) for service in platform.services}
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not await relays_at_rest(platform):
        assert asyncio.get_running_loop().time() < deadline, "the relays never came to rest"
    passes_before = await relay_passes(platform)

    figures = await measure_idle(postgres_url, services, QUIET_S)
    print(f"idle for {figures.seconds:.0f} s:\n{figures.report()}")
    assert await relay_passes(platform) == passes_before, "a relay ran while nothing happened"
    assert figures.busy == dict.fromkeys(services, 0), figures.report()
