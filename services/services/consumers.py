"""Event consumers: decode, apply once (inbox) in one transaction, commit the offset after.

A message that can never be applied (undecodable, an unsupported `schema_version` or a
producer its type's declarations do not name, refused by the domain) goes to
`dlq.<consumer>.<topic>` with the error in its headers, and the partition moves on. A
transient fault (database or broker down, see `services.retry.is_transient`) is never
dead-lettered: the message is retried with backoff until the dependency is back, its
offset uncommitted, so nothing is skipped and the partition's order holds.
"""

import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import structlog
from aiokafka import TopicPartition
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
    ) -> None:
        self.name = name
        self.broadcast = broadcast
        self._db = db
        self._broker = broker
        self._topics = topics
        self._handlers = {event_type.__name__: handler for event_type, handler in handlers.items()}

    def subscribe(self, *, topic: str | None, pattern: str | None, group_id: str | None) -> None:
        """Read `topic` (or every topic matching `pattern`) in consumer group `group_id` —
        one group per subscription, so a rebalance of one never stalls another — or, with
        no group (broadcast), every message from the start in every process."""

        async def on_message(message: KafkaMessage) -> None:
            await self.process(message)

        self._broker.subscriber(
            *((topic,) if topic else ()),
            pattern=pattern,
            group_id=group_id,
            # A broadcast consumer commits nothing: it re-reads the (compacted) topic.
            ack_policy=AckPolicy.MANUAL if self.broadcast else AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
        )(on_message)

    async def process(self, message: KafkaMessage) -> None:
        """Apply `message` once, or park it if it can never succeed. While a dependency is
        down the message is retried, then put back at the head of its partition: never
        dead-lettered, skipped or committed, and the partition's order is kept."""
        record = message.raw_message
        assert not isinstance(record, tuple)
        started = time.perf_counter()
        structlog.contextvars.unbind_contextvars("appeal_id", "event_id", "correlation_id")
        try:
            outcome = await self._handle(message)
        except Exception as error:
            if not is_transient(error):
                raise
            await self._redeliver(message, error)
            return
        if outcome is not None:
            MESSAGES.labels(self.name, record.topic, outcome).inc()
        HANDLER_SECONDS.labels(self.name).observe(time.perf_counter() - started)
        self._record_lag(message)

    async def _handle(self, message: KafkaMessage) -> str | None:
        """Decode and apply `message`, retrying transient faults for a while (they are
        raised after that); returns the outcome to count (None when dead-lettered)."""
        try:
            event = decode_event(message.body)
            check_producer(event)
        except ValidationError as error:
            await self._dead_letter(message, f"undecodable: {_short(error)}")
            return None
        except RefusedEnvelope as error:  # a schema_version or producer we do not expect
            await self._dead_letter(message, str(error))
            return None
        structlog.contextvars.bind_contextvars(
            appeal_id=str(event.appeal_id),
            event_id=str(event.event_id),
            correlation_id=str(event.correlation_id),
        )
        handler = self._handlers.get(event.type)
        if handler is None:
            return "ignored"
        try:
            applied = await with_retries(
                lambda: self._apply(event, handler), give_up_after_s=self.redeliver_after_s
            )
        except Exception as error:
            if is_transient(error):
                raise
            log.exception("handler failed; dead-lettering")
            await self._dead_letter(message, f"{type(error).__name__}: {error}")
            return None
        return "applied" if applied else "duplicate"

    async def _redeliver(self, message: KafkaMessage, error: Exception) -> None:
        """Rewind the partition to `message` (no commit), so the next poll returns it again.
        Polling again is what keeps this consumer in its group while it waits."""
        record = message.raw_message
        assert not isinstance(record, tuple)
        MESSAGES.labels(self.name, record.topic, "redelivered").inc()
        log.warning(
            "dependency still down; message goes back to its partition",
            error=repr(error),
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )
        try:
            await message.nack()
        except IllegalStateError:
            # Revoked meanwhile: its new owner starts from the last committed offset, which
            # is not past this message.
            log.info("partition revoked while retrying", partition=record.partition)

    async def _apply(self, event: Event, handler: EventHandler) -> bool:
        async with self._db.transaction() as session:
            # Broadcast handlers are idempotent themselves: every process must apply each
            # event, so a shared inbox would wrongly stop all but the first.
            if not self.broadcast and not await inbox.claim(session, self.name, event.event_id):
                return False
            await handler(event, session)
        return True

    async def _dead_letter(self, message: KafkaMessage, reason: str) -> None:
        record = message.raw_message
        assert not isinstance(record, tuple)
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
        await self._broker.publish(message.body, target, key=record.key, headers=headers)
        MESSAGES.labels(self.name, record.topic, "dead_lettered").inc()
        log.warning(
            "message dead-lettered",
            dlq_topic=target,
            reason=reason[:500],
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )

    def _record_lag(self, message: KafkaMessage) -> None:
        record = message.raw_message
        consumer = getattr(message, "consumer", None)
        if isinstance(record, tuple) or consumer is None or not hasattr(consumer, "highwater"):
            return
        highwater = consumer.highwater(TopicPartition(record.topic, record.partition))
        if highwater is not None:
            CONSUMER_LAG.labels(self.name, record.topic, str(record.partition)).set(
                max(highwater - record.offset - 1, 0)
            )


def _short(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in error.errors()[:5]
    )
