"""Kafka wiring: the broker, topic administration and the outbox's publisher."""

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import structlog
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker

from contracts.envelope import Event
from services.kafka_connection import KafkaConnection, kafka_connection

log = structlog.get_logger(__name__)


def make_broker(kafka: KafkaConnection | str, client_id: str) -> KafkaBroker:
    """A FastStream broker whose producer is idempotent (acks=all, no duplicates on retry)."""
    connection = kafka_connection(kafka)
    return KafkaBroker(
        connection.bootstrap_servers,
        security=connection.faststream_security(),
        client_id=client_id,
        enable_idempotence=True,
        metadata_max_age_ms=30_000,
        graceful_timeout=15.0,
        logger=logging.getLogger("messaging"),
    )


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int = 3
    replication_factor: int = 1
    config: dict[str, str] = field(default_factory=dict)

    @classmethod
    def compacted(cls, name: str, partitions: int = 1) -> "TopicSpec":
        return cls(name, partitions, config={"cleanup.policy": "compact"})


async def ensure_topics(kafka: KafkaConnection | str, specs: Iterable[TopicSpec]) -> list[str]:
    """Create the topics that do not exist yet; returns the names created."""
    wanted = {spec.name: spec for spec in specs}
    if not wanted:
        return []
    admin = AIOKafkaAdminClient(**kafka_connection(kafka).client_options())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [spec for name, spec in wanted.items() if name not in existing]
        created: list[str] = []
        for spec in missing:
            try:
                await admin.create_topics(
                    [
                        NewTopic(
                            spec.name,
                            num_partitions=spec.partitions,
                            replication_factor=spec.replication_factor,
                            topic_configs=spec.config,
                        )
                    ]
                )
                created.append(spec.name)
            except TopicAlreadyExistsError:
                pass
        if created:
            log.info("created topics", topics=created)
        return created
    finally:
        await admin.close()


class TopicAdmin(Protocol):
    """Creates topics; the real one asks Kafka, the in-memory one just remembers."""

    async def ensure(self, specs: Iterable[TopicSpec]) -> list[str]:
        """Create the topics of `specs` that do not exist yet; returns the names created."""


class KafkaTopicAdmin:
    def __init__(self, kafka: KafkaConnection | str) -> None:
        self._kafka = kafka

    async def ensure(self, specs: Iterable[TopicSpec]) -> list[str]:
        return await ensure_topics(self._kafka, specs)


async def partitions_of(
    kafka: KafkaConnection | str, topics: Iterable[str]
) -> list[TopicPartition]:
    """The partitions of those `topics` that exist (asks the cluster, not a cached view)."""
    admin = AIOKafkaAdminClient(**kafka_connection(kafka).client_options())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [t for t in topics if t in existing]
        described = await admin.describe_topics(wanted) if wanted else []
        return [
            TopicPartition(d["topic"], p["partition"])
            for d in described
            for p in sorted(d["partitions"], key=lambda p: p["partition"])
        ]
    finally:
        await admin.close()


async def list_topics(kafka: KafkaConnection | str) -> list[str]:
    admin = AIOKafkaAdminClient(**kafka_connection(kafka).client_options())
    await admin.start()
    try:
        return sorted(await admin.list_topics())
    finally:
        await admin.close()


async def publish_event(kafka: KafkaConnection | str, topic: str, event: Event) -> None:
    """Publish one event outside any service transaction (operators' commands)."""
    producer = AIOKafkaProducer(**kafka_connection(kafka).client_options(), enable_idempotence=True)
    await producer.start()
    try:
        headers = [("event-type", event.type.encode()), ("event-id", str(event.event_id).encode())]
        await producer.send_and_wait(topic, event.to_json(), key=event.key, headers=headers)
    finally:
        await producer.stop()


class KafkaPublisher:
    """Sends outbox rows through the broker's idempotent producer, pipelined."""

    def __init__(self, broker: KafkaBroker) -> None:
        self._broker = broker

    async def send_batch(
        self, messages: list[tuple[str, bytes | None, bytes, dict[str, str]]]
    ) -> None:
        pending = [
            await self._broker.publish(value, topic, key=key, headers=headers, no_confirm=True)
            for topic, key, value, headers in messages
        ]
        # The in-memory test broker delivers inline and hands back no future.
        await asyncio.gather(*(p for p in pending if p is not None))
