"""Stand-ins for what a consumer talks to: the aiokafka partition behind a message, a
broker that keeps what is published, a topic admin, and a database that refuses the first
transactions as a restarting PostgreSQL does; plus a message and an event to feed it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiokafka import ConsumerRecord
from faststream.kafka.message import KafkaAckableMessage

from contracts.envelope import new_event_id
from contracts.events import AppealSubmitted, AppealSubmittedPayload
from contracts.topics import APPEAL_SUBMITTED
from services.kafka import TopicSpec


class Partition:
    """The aiokafka consumer behind a message: records seeks and commits."""

    def __init__(self) -> None:
        self.seeks: list[tuple[str, int, int]] = []
        self.commits = 0

    def seek(self, partition: Any, offset: int) -> None:
        self.seeks.append((partition.topic, partition.partition, offset))

    async def commit(self) -> None:
        self.commits += 1


class Broker:
    def __init__(self) -> None:
        self.published: list[tuple[bytes, str]] = []

    async def publish(self, body: bytes, topic: str, **_: Any) -> None:
        self.published.append((body, topic))


class Topics:
    async def ensure(self, specs: Any) -> list[str]:
        return [spec.name for spec in specs if isinstance(spec, TopicSpec)]


class FakeSession:
    """A transaction's writes: kept by the database only if it commits."""

    def __init__(self, db: "FlakyDatabase") -> None:
        self.db = db
        self.claims: set[Any] = set()
        self.effects: list[Any] = []


class FlakyDatabase:
    """Refuses the first `down_for` transactions as a restarting PostgreSQL does; keeps
    what committed transactions wrote (inbox claims, effects)."""

    def __init__(self, down_for: int) -> None:
        self.down_for = down_for
        self.attempts = 0
        self.claims: set[Any] = set()
        self.effects: list[Any] = []

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[FakeSession]:
        self.attempts += 1
        if self.attempts <= self.down_for:
            raise ConnectionRefusedError(111, "Connection refused")
        session = FakeSession(self)
        yield session  # an exception here rolls back: nothing is kept
        self.claims |= session.claims
        self.effects += session.effects


def submitted() -> AppealSubmitted:
    appeal_id = new_event_id()
    return AppealSubmitted(
        appeal_id=appeal_id,
        producer="intake",
        correlation_id=appeal_id,
        payload=AppealSubmittedPayload(
            category="pothole", location={"lat": 62.03, "lon": 129.72}, text="Яма"
        ),
    )


def kafka_message(body: bytes, partition: Partition, offset: int = 41) -> KafkaAckableMessage:
    record = consumer_record(body, offset)
    return KafkaAckableMessage(raw_message=record, body=body, consumer=partition)


def kafka_batch(bodies: list[bytes], partition: Partition, first: int = 41) -> KafkaAckableMessage:
    """What a batch subscriber hands over: consecutive records of one partition."""
    records = tuple(consumer_record(body, first + i) for i, body in enumerate(bodies))
    return KafkaAckableMessage(raw_message=records, body=list(bodies), consumer=partition)


def consumer_record(body: bytes, offset: int) -> "ConsumerRecord[bytes, bytes]":
    return ConsumerRecord(
        topic=APPEAL_SUBMITTED,
        partition=2,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=b"k",
        value=body,
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=len(body),
        headers=(),
    )
