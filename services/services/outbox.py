"""Transactional outbox: events are written with the state change, then relayed to Kafka.

A crash anywhere loses nothing: rows stay until Kafka acknowledged them (idempotent
producer, acks=all), so the worst case is a re-send that consumers' inboxes ignore.
"""

import asyncio
import contextlib
import json
import time
from datetime import datetime
from typing import Protocol

import structlog
from sqlalchemy import BigInteger, Column, LargeBinary, delete, text
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import Event
from services.columns import timestamp_field
from services.db import Database
from services.metrics import OUTBOX_BACKLOG, OUTBOX_FAILURES, OUTBOX_PUBLISHED

log = structlog.get_logger(__name__)

RELAY_LOCK_ID = 0x0A77EA15
"""Advisory lock held by the one relay allowed to publish a database's outbox: with several
replicas, a single publisher keeps each appeal's events in order."""


BACKLOG_EVERY_S = 5.0
"""How often the relay counts unsent rows for the backlog gauge (a count is a table scan)."""


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_messages"

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True)
    )
    topic: str = Field(max_length=249)
    key: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    value: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    headers: str = Field(default="{}", description="JSON object of string headers")
    created_at: datetime = timestamp_field()


def stage(session: AsyncSession, event: Event, topic: str) -> None:
    """Queue `event` for `topic` in the caller's transaction."""
    headers = {"event-type": event.type, "event-id": str(event.event_id)}
    session.add(
        OutboxMessage(
            topic=topic, key=event.key, value=event.to_json(), headers=json.dumps(headers)
        )
    )


class Publisher(Protocol):
    async def send_batch(
        self, messages: list[tuple[str, bytes | None, bytes, dict[str, str]]]
    ) -> None:
        """Send (topic, key, value, headers) in order; return when all are acknowledged."""


class OutboxRelay:
    """Moves committed outbox rows to Kafka; woken after each commit, else polls."""

    def __init__(
        self,
        db: Database,
        publisher: Publisher,
        *,
        service: str,
        batch_size: int = 500,
        poll_interval_s: float = 0.5,
    ) -> None:
        self._db = db
        self._publisher = publisher
        self._service = service
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._wakeup = asyncio.Event()
        self._backlog_measured_at = 0.0
        db.on_commit(self.wake)

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        backoff = 0.1
        while True:
            try:
                sent = await self.publish_batch()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception:
                OUTBOX_FAILURES.labels(self._service).inc()
                log.exception("outbox relay failed; will retry", retry_in_s=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if sent < self._batch_size:
                await self._idle()

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval_s)
        self._wakeup.clear()

    async def publish_batch(self) -> int:
        """Publish up to one batch; returns how many rows were sent."""
        async with self._db.transaction() as session:
            sql = await session.connection()
            locked = await sql.execute(
                text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": RELAY_LOCK_ID}
            )
            if not locked.scalar_one():
                return 0
            rows = (
                await session.exec(
                    select(OutboxMessage).order_by(col(OutboxMessage.id)).limit(self._batch_size)
                )
            ).all()
            if rows:
                await self._publisher.send_batch(
                    [(r.topic, r.key, r.value, json.loads(r.headers)) for r in rows]
                )
                await session.exec(
                    delete(OutboxMessage).where(
                        OutboxMessage.id.in_([r.id for r in rows])  # type: ignore[union-attr]
                    )
                )
            if time.monotonic() - self._backlog_measured_at >= BACKLOG_EVERY_S:
                backlog = await sql.execute(text("SELECT count(*) FROM outbox_messages"))
                OUTBOX_BACKLOG.labels(self._service).set(backlog.scalar_one())
                self._backlog_measured_at = time.monotonic()
        if rows:
            OUTBOX_PUBLISHED.labels(self._service).inc(len(rows))
        return len(rows)
