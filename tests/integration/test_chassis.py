"""The chassis' delivery guarantees, against real PostgreSQL and Kafka."""

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from faststream.kafka import KafkaBroker
from sqlalchemy import text

from contracts.envelope import new_event_id
from contracts.events import AppealAccepted, AppealAcceptedPayload
from services import inbox
from services.db import Database
from services.kafka import KafkaPublisher, TopicSpec, ensure_topics, make_broker
from services.migrations import create_database_if_missing
from services.outbox import OutboxRelay, stage
from services.schema import chassis_metadata
from tests.infrastructure import SessionKafka
from tests.integration.kafka_io import read_all_async

Rows = list[tuple[str, bytes | None, bytes, dict[str, str]]]


@pytest.fixture
async def db(postgres_url: str) -> AsyncIterator[Database]:
    url = f"{postgres_url}/chassis_{uuid4().hex[:8]}"
    await create_database_if_missing(url)
    database = Database(url)
    async with database.engine.begin() as conn:
        await conn.run_sync(chassis_metadata().create_all)
    yield database
    await database.dispose()


@pytest.fixture
async def broker(kafka: SessionKafka) -> AsyncIterator[KafkaBroker]:
    connected = make_broker(kafka.admin, "chassis-test")
    await connected.connect()
    yield connected
    await connected.stop()


def accepted(appeal_id: object) -> AppealAccepted:
    return AppealAccepted(
        appeal_id=appeal_id,
        producer="test",
        correlation_id=uuid4(),
        payload=AppealAcceptedPayload(executor_id="uk-1"),
    )


async def outbox_rows(db: Database) -> int:
    async with db.engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM outbox_messages"))).scalar_one())


async def test_the_inbox_lets_an_event_through_once(db: Database) -> None:
    event_id = new_event_id()
    async with db.transaction() as session:
        assert await inbox.claim(session, "router", event_id)
    async with db.transaction() as session:
        assert not await inbox.claim(session, "router", event_id)
        assert await inbox.claim(session, "intake", event_id), "inboxes are per consumer"


async def test_a_rolled_back_transaction_leaves_no_event_behind(db: Database) -> None:
    async def failing_change() -> None:
        async with db.transaction() as session:
            stage(session, accepted(uuid4()), "anywhere")
            raise RuntimeError("the state change failed")

    with pytest.raises(RuntimeError):
        await failing_change()
    assert await outbox_rows(db) == 0


async def test_the_relay_publishes_in_order_and_keeps_rows_until_kafka_has_them(
    db: Database, broker: KafkaBroker, kafka: SessionKafka
) -> None:
    topic = f"chassis.test.{uuid4().hex[:8]}"
    await ensure_topics(kafka.admin, [TopicSpec(topic, partitions=3)])
    appeal_id = uuid4()
    events = [accepted(appeal_id) for _ in range(30)]
    async with db.transaction() as session:
        for event in events:
            stage(session, event, topic)

    class Unreachable:
        async def send_batch(self, messages: Rows) -> None:
            raise ConnectionError("broker unreachable")

    with pytest.raises(ConnectionError):
        await OutboxRelay(db, Unreachable(), service="test").publish_batch()
    assert await outbox_rows(db) == 30, "nothing is lost when publishing fails"

    relay = OutboxRelay(db, KafkaPublisher(broker), service="test", batch_size=500)
    assert await relay.publish_batch() == 30
    assert await outbox_rows(db) == 0

    records = await read_all_async(kafka.admin, f"^{topic}$")
    assert [r.key for r in records] == [str(appeal_id).encode()] * 30
    assert len({r.partition for r in records}) == 1, "one appeal's events share a partition"
    assert [r.headers["event-id"] for r in records] == [str(e.event_id) for e in events]
