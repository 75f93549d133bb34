"""Event consumers: decode, apply once (inbox) in one transaction, commit the offset after.

Records come in batches (up to `batch_size` per poll): a batch is applied in one
transaction with one inbox insert, and its offsets are committed once, after the commit.
If any event of the batch is refused, the batch is rolled back and its events are applied
one by one (a transaction each), so only the refused one is dead-lettered.

A message that can never be applied (undecodable, an unsupported `schema_version` or a
producer its type's declarations do not name, refused by the domain) goes to
`dlq.<consumer>.<topic>` with the error in its headers, and the partition moves on. A
transient fault (database or broker down, see `services.retry.is_transient`) is never
dead-lettered: the message is retried with backoff until the dependency is back, its
offset uncommitted, so nothing is skipped and the partition's order holds.
"""

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeAlias

import structlog
from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import IllegalStateError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.declarations import check_producer
from contracts.envelope import Event, RefusedEnvelope
from contracts.events import decode_event
from contracts.topics import dead_letter
from services import inbox
from services.db import Database
from services.kafka import TopicAdmin, TopicSpec
from services.metrics import CONSUMER_LAG, HANDLER_SECONDS, MESSAGES
from services.retry import is_transient, with_retries

log = structlog.get_logger(__name__)

EventHandler = Callable[[Any, AsyncSession], Awaitable[None]]
"""Applies one event inside the consumer's transaction (the session is already in it)."""

Handlers = Mapping[Any, EventHandler]
"""Event class → its handler; events of other types on the topic are skipped."""


REDELIVER_AFTER_S = 30.0
"""How long a consumer retries a message in place while a dependency is down before it puts
the message back on its partition and polls again. Well under aiokafka's
`max_poll_interval_ms` (300 s): a consumer that stops polling for that long is silently
dropped from its group."""


Record: TypeAlias = "ConsumerRecord[Any, Any]"


class EventConsumer:
    """One consumer group (named after the consuming service) over a topic or a pattern."""

    redeliver_after_s: float = REDELIVER_AFTER_S

    def __init__(
        self,
        *,
        name: str,
        db: Database,
        broker: KafkaBroker,
        topics: TopicAdmin,
        handlers: Handlers,
        broadcast: bool = False,
        batch_size: int = 200,
        batch_wait_ms: int = 50,
    ) -> None:
        self.name = name
        self.broadcast = broadcast
        self._db = db
        self._broker = broker
        self._topics = topics
        self._handlers = {event_type.__name__: handler for event_type, handler in handlers.items()}
        self._batch_size = batch_size
        self._batch_wait_ms = batch_wait_ms

    def subscribe(self, *, topic: str | None, pattern: str | None, group_id: str | None) -> None:
        """Read `topic` (or every topic matching `pattern`) in consumer group `group_id` —
        one group per subscription, so a rebalance of one never stalls another — or, with
        no group (broadcast), every message from the start in every process."""

        async def on_batch(message: KafkaMessage) -> None:
            await self.process(message)

        self._broker.subscriber(
            *((topic,) if topic else ()),
            pattern=pattern,
            group_id=group_id,
            batch=True,
            max_records=self._batch_size,
            batch_timeout_ms=self._batch_wait_ms,
            # A broadcast consumer commits nothing: it re-reads the (compacted) topic.
            ack_policy=AckPolicy.MANUAL if self.broadcast else AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
        )(on_batch)

    async def process(self, message: KafkaMessage) -> None:
        """Apply the records of `message` (a batch, or one record) once each, or park those
        that can never succeed. While a dependency is down the batch is retried, then put
        back at the head of its partitions: never dead-lettered, skipped or committed, and
        each partition's order is kept."""
        raw = message.raw_message
        # A batch is a tuple of records (a list from the in-memory test broker).
        records: Sequence[Record] = raw if isinstance(raw, tuple | list) else (raw,)
        if not records:
            return
        started = time.perf_counter()
        try:
            await self._handle(records)
        except Exception as error:
            if not is_transient(error):
                raise
            await self._redeliver(message, records, error)
            return
        finally:
            structlog.contextvars.unbind_contextvars("appeal_id", "event_id", "correlation_id")
        elapsed = time.perf_counter() - started
        HANDLER_SECONDS.labels(self.name).observe(elapsed / len(records))
        self._record_lag(message, records)

    async def _handle(self, records: Sequence[Record]) -> None:
        """Decode the batch, park what cannot be decoded, apply the rest — together when
        they all succeed, else one by one. Transient faults are retried for a while, then
        raised."""
        applicable: list[tuple[Record, Event, EventHandler]] = []
        for record in records:
            try:
                event = decode_event(record.value or b"")
                check_producer(event)
            except ValidationError as error:
                await self._dead_letter(record, f"undecodable: {_short(error)}")
                continue
            except RefusedEnvelope as error:  # a schema_version or producer we do not expect
                await self._dead_letter(record, str(error))
                continue
            handler = self._handlers.get(event.type)
            if handler is None:
                MESSAGES.labels(self.name, record.topic, "ignored").inc()
                continue
            applicable.append((record, event, handler))
        if len(applicable) > 1:
            try:
                applied = await with_retries(
                    lambda: self._apply(applicable), give_up_after_s=self.redeliver_after_s
                )
            except Exception as error:
                if is_transient(error):
                    raise
                log.info("an event of the batch was refused; applying them one by one")
            else:
                for (record, _, _), fresh in zip(applicable, applied, strict=True):
                    MESSAGES.labels(self.name, record.topic, _outcome(fresh)).inc()
                return
        for one in applicable:
            await self._handle_one(*one)

    async def _handle_one(self, record: Record, event: Event, handler: EventHandler) -> None:
        try:
            (fresh,) = await with_retries(
                lambda: self._apply([(record, event, handler)]),
                give_up_after_s=self.redeliver_after_s,
            )
        except Exception as error:
            if is_transient(error):
                raise
            log.exception("handler failed; dead-lettering")
            await self._dead_letter(record, f"{type(error).__name__}: {error}")
            return
        MESSAGES.labels(self.name, record.topic, _outcome(fresh)).inc()

    async def _apply(self, batch: Sequence[tuple[Record, Event, EventHandler]]) -> list[bool]:
        """Apply `batch` in one transaction; for each event, whether it was new (an event
        the inbox already holds, or met earlier in the batch, is not applied again)."""
        async with self._db.transaction() as session:
            # Broadcast handlers are idempotent themselves: every process must apply each
            # event, so a shared inbox would wrongly stop all but the first.
            ids = [event.event_id for _, event, _ in batch]
            fresh = set(ids) if self.broadcast else await inbox.claim_all(session, self.name, ids)
            applied = []
            for _, event, handler in batch:
                if event.event_id not in fresh:
                    applied.append(False)
                    continue
                fresh.discard(event.event_id)
                structlog.contextvars.bind_contextvars(
                    appeal_id=str(event.appeal_id),
                    event_id=str(event.event_id),
                    correlation_id=str(event.correlation_id),
                )
                await handler(event, session)
                applied.append(True)
        return applied

    async def _redeliver(
        self, message: KafkaMessage, records: Sequence[Record], error: Exception
    ) -> None:
        """Rewind the batch's partitions to its first records (no commit), so the next poll
        returns them again. Polling again is what keeps this consumer in its group while it
        waits."""
        first = records[0]
        MESSAGES.labels(self.name, first.topic, "redelivered").inc(len(records))
        log.warning(
            "dependency still down; the batch goes back to its partitions",
            error=repr(error),
            topic=first.topic,
            partition=first.partition,
            offset=first.offset,
            records=len(records),
        )
        try:
            await message.nack()
        except IllegalStateError:
            # Revoked meanwhile: its new owner starts from the last committed offset, which
            # is not past this batch.
            log.info("partition revoked while retrying", partition=first.partition)

    async def _dead_letter(self, record: Record, reason: str) -> None:
        target = dead_letter(record.topic, self.name)
        await self._topics.ensure([TopicSpec(target, partitions=1)])
        headers = {
            "dlq-reason": reason[:2000],
            "dlq-consumer": self.name,
            "dlq-original-topic": record.topic,
            "dlq-original-partition": str(record.partition),
            "dlq-original-offset": str(record.offset),
            "dlq-at": datetime.now(UTC).isoformat(),
        }
        await self._broker.publish(record.value or b"", target, key=record.key, headers=headers)
        MESSAGES.labels(self.name, record.topic, "dead_lettered").inc()
        log.warning(
            "message dead-lettered",
            dlq_topic=target,
            reason=reason[:500],
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )

    def _record_lag(self, message: KafkaMessage, records: Sequence[Record]) -> None:
        consumer = getattr(message, "consumer", None)
        if consumer is None or not hasattr(consumer, "highwater"):
            return
        last = {(r.topic, r.partition): r.offset for r in records}
        for (topic, partition), offset in last.items():
            highwater = consumer.highwater(TopicPartition(topic, partition))
            if highwater is not None:
                CONSUMER_LAG.labels(self.name, topic, str(partition)).set(
                    max(highwater - offset - 1, 0)
                )


def _outcome(fresh: bool) -> str:
    return "applied" if fresh else "duplicate"


def _short(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in error.errors()[:5]
    )
