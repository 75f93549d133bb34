"""Reading and writing raw Kafka records from tests (what is really on the topics)."""

import asyncio
import re
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from services.kafka import list_topics, partitions_of


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]


async def _read(bootstrap: str, pattern: str) -> list[Record]:
    topics = [t for t in await list_topics(bootstrap) if re.match(pattern, t)]
    partitions = await partitions_of(bootstrap, topics)
    if not partitions:  # a consumer never assigned a partition cannot stop cleanly
        return []
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
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


async def read_all_async(bootstrap: str, pattern: str) -> list[Record]:
    return await _read(bootstrap, pattern)


def read_all(bootstrap: str, pattern: str) -> list[Record]:
    """Every record currently on the topics whose names match `pattern`."""
    return asyncio.run(_read(bootstrap, pattern))


async def _produce(bootstrap: str, topic: str, values: list[bytes]) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        partitions = await producer.partitions_for(topic)
        for partition in sorted(partitions):
            for value in values:
                await producer.send_and_wait(topic, value, partition=partition)
        return len(partitions)
    finally:
        await producer.stop()


def produce_to_every_partition(bootstrap: str, topic: str, values: list[bytes]) -> int:
    """Put `values` on every partition of `topic`, so whatever follows queues behind them;
    returns the number of partitions."""
    return asyncio.run(_produce(bootstrap, topic, values))


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
