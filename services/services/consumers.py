"""Event consumers: decode, apply once (inbox) in one transaction, commit the offset after.

A message that cannot be decoded or applied goes to `<topic>.dlq.<consumer>` with the
error in its headers, and the partition moves on. A transient fault (database or broker
down) is retried with backoff; if it persists the offset is not committed and the message
is delivered again: nothing is skipped.
"""

import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import structlog
from aiokafka import TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import Event
from contracts.events import decode_event
from contracts.topics import dead_letter
from services import inbox
from services.db import Database
from services.kafka import TopicSpec, ensure_topics
from services.metrics import CONSUMER_LAG, HANDLER_SECONDS, MESSAGES
from services.retry import is_transient, with_retries

log = structlog.get_logger(__name__)

EventHandler = Callable[[Any, AsyncSession], Awaitable[None]]
"""Applies one event inside the consumer's transaction (the session is already in it)."""

Handlers = Mapping[Any, EventHandler]
"""Event class → its handler; events of other types on the topic are skipped."""


class EventConsumer:
    """One consumer group (named after the consuming service) over a topic or a pattern."""

    def __init__(
        self,
        *,
        name: str,
        db: Database,
        broker: KafkaBroker,
        bootstrap_servers: str,
        handlers: Handlers,
        broadcast: bool = False,
    ) -> None:
        self.name = name
        self.broadcast = broadcast
        self._db = db
        self._broker = broker
        self._bootstrap_servers = bootstrap_servers
        self._handlers = {event_type.__name__: handler for event_type, handler in handlers.items()}

    def subscribe(
        self, *, topic: str | None = None, pattern: str | None = None, group: str | None = None
    ) -> None:
        """Consumer group `<service>.<group or topic>`: one group per subscription, so a
        rebalance of one never stalls another."""

        async def on_message(message: KafkaMessage) -> None:
            await self.process(message)

        source = group or topic
        if source is None:
            raise ValueError("a pattern subscription needs a `group` name")
        topics = (topic,) if topic else ()
        self._broker.subscriber(
            *topics,
            pattern=pattern,
            # A broadcast consumer has no group: every process reads every message from the
            # start (of a compacted topic) and commits nothing.
            group_id=None if self.broadcast else f"{self.name}.{source}",
            ack_policy=AckPolicy.MANUAL if self.broadcast else AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
        )(on_message)

    async def process(self, message: KafkaMessage) -> None:
        record = message.raw_message
        assert not isinstance(record, tuple)
        started = time.perf_counter()
        structlog.contextvars.unbind_contextvars("appeal_id", "event_id", "correlation_id")
        try:
            event = decode_event(message.body)
        except ValidationError as error:
            await self._dead_letter(message, f"undecodable: {_short(error)}")
            return
        structlog.contextvars.bind_contextvars(
            appeal_id=str(event.appeal_id),
            event_id=str(event.event_id),
            correlation_id=str(event.correlation_id),
        )
        handler = self._handlers.get(event.type)
        if handler is None:
            MESSAGES.labels(self.name, record.topic, "ignored").inc()
        else:
            try:
                applied = await with_retries(lambda: self._apply(event, handler))
            except Exception as error:
                if is_transient(error):
                    log.error("transient fault persists; message will be redelivered")
                    raise
                log.exception("handler failed; dead-lettering")
                await self._dead_letter(message, f"{type(error).__name__}: {error}")
                return
            MESSAGES.labels(self.name, record.topic, "applied" if applied else "duplicate").inc()
        HANDLER_SECONDS.labels(self.name).observe(time.perf_counter() - started)
        self._record_lag(message)

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
        await ensure_topics(self._bootstrap_servers, [TopicSpec(target, partitions=1)])
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
