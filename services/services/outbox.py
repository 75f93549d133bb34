"""Transactional outbox: events are written with the state change, then relayed to Kafka.

A crash anywhere loses nothing: rows stay until Kafka acknowledged them (idempotent
producer, acks=all), so the worst case is a re-send that consumers' inboxes ignore.

Quiet at rest: the relay runs a transaction only when there may be work, so an idle
service makes no commits at all. It is woken
- at once, in-process, after a commit that staged rows (`stage` marks the session);
- by PostgreSQL NOTIFY on `OUTBOX_CHANNEL`, which a statement trigger on the outbox table
  issues (chassis migration 0004) and the database delivers on commit to the relay of
  every replica (each LISTENs on a dedicated connection): rows staged by another process,
  or left behind by one that died before publishing them, are published without polling;
- at start and after its LISTEN connection is re-established (notifications sent while it
  was down are lost, so it looks once).
It polls every `poll_interval_s` only while it cannot trust notifications: while its
LISTEN connection is down, and after it found the relay lock held by another instance
(that instance may stop before it reaches rows committed meanwhile). NOTIFY rather than a
slow safety poll: a poll slow enough to be cheap is too slow to publish promptly, and a
fast one is the idle load this design removes. The trigger's NOTIFY costs no round trip
and is discarded if the transaction rolls back.
"""

import asyncio
import contextlib
import json
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

import structlog
from sqlalchemy import DDL, BigInteger, Column, LargeBinary, insert, text
from sqlalchemy import event as sqlalchemy_events
from sqlalchemy.orm import Session
from sqlmodel import Field
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.declarations import ServiceDeclaration
from contracts.envelope import Event
from services.columns import timestamp_field
from services.db import Database
from services.metrics import OUTBOX_BACKLOG, OUTBOX_FAILURES, OUTBOX_PASSES, OUTBOX_PUBLISHED
from services.notifications import NotificationListener
from services.schema import ChassisTable

log = structlog.get_logger(__name__)

RELAY_LOCK_ID = 0x0A77EA15
"""Advisory lock held by the one relay allowed to publish a database's outbox: with several
replicas, a single publisher keeps each appeal's events in order."""


BACKLOG_EVERY_S = 5.0
"""How often the relay counts unsent rows for the backlog gauge (a count is a table scan)."""

OUTBOX_CHANNEL = "appeals_outbox"
"""PostgreSQL NOTIFY channel announcing committed outbox rows (channels are per database)."""

STAGED = "outbox.staged"
"""`session.info` key `stage` sets: the transaction added outbox rows."""


class OutboxMessage(ChassisTable, table=True):
    __tablename__ = "outbox_messages"

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True)
    )
    topic: str = Field(max_length=249)
    key: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    value: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    headers: str = Field(default="{}", description="JSON object of string headers")
    created_at: datetime = timestamp_field()


NOTIFY_TRIGGER = (
    f"""
    CREATE FUNCTION appeals_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('{OUTBOX_CHANNEL}', '');
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER outbox_messages_notify AFTER INSERT ON outbox_messages"
    " FOR EACH STATEMENT EXECUTE FUNCTION appeals_outbox_notify()",
)
"""Every statement that inserts outbox rows NOTIFYs the relays; PostgreSQL delivers a
transaction's notifications on commit (none on rollback) and folds repeats into one.
Installed by chassis migration 0004, and with the table when it is created from metadata."""

_OUTBOX_TABLE = OutboxMessage.__table__  # type: ignore[attr-defined]
for _statement in NOTIFY_TRIGGER:
    sqlalchemy_events.listen(_OUTBOX_TABLE, "after_create", DDL(_statement))  # type: ignore[no-untyped-call]


PENDING = "outbox.pending"
"""`session.info` key: rows staged in the transaction, inserted just before it commits."""


def stage(session: AsyncSession, event: Event, topic: str) -> None:
    """Queue `event` for `topic` in the caller's transaction (refused at once if the
    service's declaration does not list that publication). Every row the transaction
    staged is inserted, in staging order, by one statement just before it commits."""
    session.info.setdefault(PENDING, []).append(_row(session, event, topic))
    session.info[STAGED] = True


def stage_all(session: AsyncSession, events: Sequence[tuple[Event, str]]) -> None:
    """`stage` for each of `events`, in order."""
    for event, topic in events:
        stage(session, event, topic)


@sqlalchemy_events.listens_for(Session, "before_commit")
def _insert_pending(session: Session) -> None:
    """Runs inside the async session's greenlet, so the sync `execute` may do I/O."""
    rows = session.info.pop(PENDING, None)
    if rows:
        session.connection().execute(insert(_OUTBOX_TABLE), rows)


@sqlalchemy_events.listens_for(Session, "after_soft_rollback")
def _forget_pending(session: Session, previous_transaction: object) -> None:
    session.info.pop(PENDING, None)


def _row(session: AsyncSession, event: Event, topic: str) -> dict[str, Any]:
    declaration: ServiceDeclaration | None = session.info.get("declaration")
    if declaration is not None:
        declaration.check_publication(topic, event.type)
    headers = {"event-type": event.type, "event-id": str(event.event_id)}
    value = event.to_json()
    return {"topic": topic, "key": event.key, "value": value, "headers": json.dumps(headers)}


_OLDEST = text(
    "SELECT id, topic, key, value, headers FROM outbox_messages ORDER BY id LIMIT :limit"
)
_SENT = text("DELETE FROM outbox_messages WHERE id = ANY(:ids)")
"""One statement text whatever the batch's size (an IN list would prepare one per size)."""


class Publisher(Protocol):
    async def send_batch(
        self, messages: list[tuple[str, bytes | None, bytes, dict[str, str]]]
    ) -> None:
        """Send (topic, key, value, headers) in order; return when all are acknowledged."""


class OutboxRelay:
    """Moves committed outbox rows to Kafka; sleeps until a staging commit wakes it."""

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
        self._lock_missed = False
        self._resting = False
        self._waiting = False
        self._listener = NotificationListener(
            db.listening_connection,
            OUTBOX_CHANNEL,
            on_notify=self.wake,
            on_state=lambda _listening: self.wake(),
        )
        db.on_commit(self._committed)

    def wake(self) -> None:
        self._wakeup.set()

    @property
    def listening(self) -> bool:
        """Notifications reach it (else it polls)."""
        return self._listener.listening

    @property
    def idle(self) -> bool:
        """Between passes with no wake-up pending: nothing of its own is in flight."""
        return self._waiting and not self._wakeup.is_set()

    @property
    def at_rest(self) -> bool:
        """Waiting for a wake-up with no poll due: it runs no transaction until woken."""
        return self._resting and not self._wakeup.is_set()

    def _committed(self, info: dict[object, object]) -> None:
        if info.get(STAGED):
            self.wake()

    async def run(self) -> None:
        """Drain the outbox, then publish whatever each wake-up announces, until cancelled."""
        listener = asyncio.create_task(self._listener.run(), name="outbox-listener")
        try:
            await self._relay()
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener

    async def _relay(self) -> None:
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
        """Wait for a wake-up; poll only while notifications cannot be trusted."""
        polling = self._lock_missed or not self._listener.listening
        self._resting = not polling
        self._waiting = True
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._wakeup.wait(), timeout=self._poll_interval_s if polling else None
                )
        finally:
            self._resting = False
            self._waiting = False
        self._wakeup.clear()

    async def publish_batch(self) -> int:
        """Publish up to one batch; returns how many rows were sent."""
        OUTBOX_PASSES.labels(self._service).inc()
        async with self._db.transaction() as session:
            sql = await session.connection()
            locked = await sql.execute(
                text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": RELAY_LOCK_ID}
            )
            self._lock_missed = not locked.scalar_one()
            if self._lock_missed:
                return 0
            rows = (await sql.execute(_OLDEST, {"limit": self._batch_size})).all()
            if rows:
                await self._publisher.send_batch(
                    [(r.topic, r.key, r.value, json.loads(r.headers)) for r in rows]
                )
                await sql.execute(_SENT, {"ids": [r.id for r in rows]})
            drained = len(rows) < self._batch_size
            if not drained and time.monotonic() - self._backlog_measured_at >= BACKLOG_EVERY_S:
                backlog = await sql.execute(text("SELECT count(*) FROM outbox_messages"))
                OUTBOX_BACKLOG.labels(self._service).set(backlog.scalar_one())
                self._backlog_measured_at = time.monotonic()
        if drained:  # all it could see is sent; rows committed since will wake it
            OUTBOX_BACKLOG.labels(self._service).set(0)
        if rows:
            OUTBOX_PUBLISHED.labels(self._service).inc(len(rows))
        return len(rows)
