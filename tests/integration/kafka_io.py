"""Reading and writing raw Kafka records from tests (what is really on the topics), as
whoever `kafka` signs in as: the harness's admin (`Platform.kafka`) unless a test wants a
particular principal."""

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from services.kafka import list_topics, partitions_of
from services.kafka_connection import KafkaConnection


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]


async def _read(kafka: KafkaConnection, pattern: str) -> list[Record]:
    topics = [t for t in await list_topics(kafka) if re.match(pattern, t)]
    partitions = await partitions_of(kafka, topics)
    if not partitions:  # a consumer never assigned a partition cannot stop cleanly
        return []
    consumer = AIOKafkaConsumer(**kafka.client_options(), enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        records: list[Record] = []
        while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
            batches = await consumer.getmany(timeout_ms=1000)
            for tp, messages in batches.items():
                records.extend(
                    Record(
                        tp.topic,
                        tp.partition,
                        m.offset,
                        m.key,
                        m.value,
                        {k: v.decode() for k, v in m.headers},
                    )
                    for m in messages
                    if m.offset < end[tp]
                )
        return records
    finally:
        await consumer.stop()


async def read_all_async(kafka: KafkaConnection, pattern: str) -> list[Record]:
    return await _read(kafka, pattern)


def read_all(kafka: KafkaConnection, pattern: str) -> list[Record]:
    """Every record currently on the topics whose names match `pattern`."""
    return asyncio.run(_read(kafka, pattern))


async def _produce(kafka: KafkaConnection, topic: str, values: list[bytes]) -> int:
    producer = AIOKafkaProducer(**kafka.client_options())
    await producer.start()
    try:
        partitions = await producer.partitions_for(topic)
        for partition in sorted(partitions):
            for value in values:
                await producer.send_and_wait(topic, value, partition=partition)
        return len(partitions)
    finally:
        await producer.stop()


def produce_to_every_partition(kafka: KafkaConnection, topic: str, values: list[bytes]) -> int:
    """Put `values` on every partition of `topic`, so whatever follows queues behind them;
    returns the number of partitions."""
    return asyncio.run(_produce(kafka, topic, values))


def rows(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    """The rows of a query on a service's database, as tuples."""
    import asyncpg

    async def query() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
        try:
            return [tuple(row) for row in await conn.fetch(sql)]
        finally:
            await conn.close()

    return asyncio.run(query())


def scalar(database_url: str, sql: str) -> int:
    """One number from a service's database (tests may look inside to verify)."""
    import asyncpg

    async def query() -> int:
        conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
        try:
            value: int = await conn.fetchval(sql)
            return value
        finally:
            await conn.close()

    return asyncio.run(query())
