"""Inbox: the event ids a consumer has applied, written in the effect's transaction."""

from datetime import datetime
from uuid import UUID

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Field, SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.columns import timestamp_field


class InboxEntry(SQLModel, table=True):
    __tablename__ = "inbox_events"

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
