"""Operators' view of dead-letter topics: list what is parked, replay it once fixed.

Replaying re-publishes each parked message, byte for byte, to the topic it came from; the
consumer's inbox ignores any event it had already applied. A consumer group per
dead-letter topic remembers what was replayed, so a second replay sends only newer ones.
"""

from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from services.kafka import partitions_of
from services.kafka_connection import KafkaConnection, kafka_connection


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def origin(self) -> str:
        return self.headers.get("dlq-original-topic", "")

    @property
    def reason(self) -> str:
        return self.headers.get("dlq-reason", "")


async def _drain(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], *, from_committed: bool
) -> list[DeadLetter]:
    """Read `partitions` up to their current end, from the start or the committed offset."""
    if not partitions:
        return []
    consumer.assign(partitions)
    for tp in partitions:
        committed = await consumer.committed(tp) if from_committed else None
        if committed is None:
            await consumer.seek_to_beginning(tp)
        else:
            consumer.seek(tp, committed)
    end = await consumer.end_offsets(partitions)
    letters: list[DeadLetter] = []
    while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
        for tp, records in (await consumer.getmany(timeout_ms=1000)).items():
            letters.extend(
                DeadLetter(
                    tp.partition,
                    r.offset,
                    r.key,
                    r.value,
                    {k: v.decode(errors="replace") for k, v in r.headers},
                )
                for r in records
                if r.offset < end[tp]
            )
    return letters


async def list_dead_letters(kafka: KafkaConnection | str, topic: str) -> list[DeadLetter]:
    partitions = await partitions_of(kafka, [topic])
    if not partitions:  # no such topic: nothing parked (and no consumer left unassigned)
        return []
    consumer = AIOKafkaConsumer(
        **kafka_connection(kafka).client_options(), enable_auto_commit=False
    )
    await consumer.start()
    try:
        return await _drain(consumer, partitions, from_committed=False)
    finally:
        await consumer.stop()


async def replay_dead_letters(
    kafka: KafkaConnection | str, topic: str, *, dry_run: bool = False
) -> list[DeadLetter]:
    """Send every letter not replayed before back to its original topic; returns them."""
    connection = kafka_connection(kafka)
    partitions = await partitions_of(connection, [topic])
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(
        **connection.client_options(),
        group_id=f"dlq-replay.{topic}",
        enable_auto_commit=False,
    )
    producer = AIOKafkaProducer(**connection.client_options(), enable_idempotence=True)
    await consumer.start()
    await producer.start()
    try:
        letters = await _drain(consumer, partitions, from_committed=True)
        if dry_run or not letters:
            return letters
        for letter in letters:
            headers = [(k, v.encode()) for k, v in letter.headers.items() if k[:4] != "dlq-"]
            source = f"{topic}:{letter.partition}:{letter.offset}"
            headers.append(("dlq-replayed-from", source.encode()))
            await producer.send_and_wait(
                letter.origin, letter.value, key=letter.key, headers=headers
            )
        replayed = {
            TopicPartition(topic, letter.partition): OffsetAndMetadata(letter.offset + 1, "")
            for letter in letters
        }
        await consumer.commit(replayed)
        return letters
    finally:
        await producer.stop()
        await consumer.stop()
