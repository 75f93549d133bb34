"""Inbox: the event ids a consumer has applied, written in the effect's transaction.

Kafka redelivers within hours, not months: entries older than the retention are pruned by
a periodic job (`prune`), so the table stays the size of the retention window."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Index, delete, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Field, col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.columns import timestamp_field
from services.db import Database
from services.metrics import INBOX_PRUNED, INBOX_SIZE
from services.schema import ChassisTable


class InboxEntry(ChassisTable, table=True):
    __tablename__ = "inbox_events"
    __table_args__ = (Index("ix_inbox_events_processed_at", "processed_at"),)

    consumer: str = Field(primary_key=True, max_length=100)
    event_id: UUID = Field(primary_key=True)
    processed_at: datetime = timestamp_field()


async def claim(session: AsyncSession, consumer: str, event_id: UUID) -> bool:
    """Record that `consumer` applies `event_id`; False if it already has (a redelivery)."""
    statement = (
        insert(InboxEntry)
        .values(consumer=consumer, event_id=event_id)
        .on_conflict_do_nothing()
        .returning(col(InboxEntry.event_id))
    )
    result = await session.exec(statement)
    return result.scalar_one_or_none() is not None


async def claim_all(session: AsyncSession, consumer: str, event_ids: list[UUID]) -> set[UUID]:
    """Record that `consumer` applies `event_ids` (one statement); returns those it had not
    applied before (the rest are redeliveries)."""
    unique = list(dict.fromkeys(event_ids))
    statement = (
        insert(InboxEntry)
        .values([{"consumer": consumer, "event_id": event_id} for event_id in unique])
        .on_conflict_do_nothing()
        .returning(col(InboxEntry.event_id))
    )
    result = await session.exec(statement)
    return set(result.scalars().all())


async def prune(db: Database, consumer: str, older_than: datetime, *, batch: int = 10_000) -> int:
    """Forget what `consumer` applied before `older_than`, a batch per transaction; returns
    how many entries went. Sets the inbox size gauge."""
    removed = 0
    while True:
        async with db.transaction() as session:
            oldest = (
                select(InboxEntry.consumer, InboxEntry.event_id)  # type: ignore[call-overload]
                .where(InboxEntry.consumer == consumer, col(InboxEntry.processed_at) < older_than)
                .limit(batch)
            )
            result = await session.exec(
                delete(InboxEntry).where(
                    tuple_(col(InboxEntry.consumer), col(InboxEntry.event_id)).in_(oldest)
                )
            )
            count = result.rowcount or 0
        removed += count
        if count < batch:
            break
    async with db.session() as session:
        sql = await session.connection()
        counted = await sql.execute(
            text("SELECT count(*) FROM inbox_events WHERE consumer = :consumer"),
            {"consumer": consumer},
        )
        size = counted.scalar_one()
    INBOX_PRUNED.labels(consumer).inc(removed)
    INBOX_SIZE.labels(consumer).set(size)
    return removed
