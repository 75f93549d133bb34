"""sla-tracker's own tables (its database alone)."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Column, DateTime, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from services.columns import timestamp_field


class Table(SQLModel, registry=registry()):
    """Base of sla-tracker's tables (its own metadata)."""


class ClockRow(Table, table=True):
    """An appeal's legal clock: its stages, and when it next needs the ticker."""

    __tablename__ = "clocks"

    appeal_id: UUID = Field(primary_key=True)
    policy_id: str = Field(max_length=64)
    category: str | None = Field(default=None, max_length=64, index=True)
    executor_id: str | None = Field(default=None, max_length=64, index=True)
    territory_ids: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    stages: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    next_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=True, index=True),
        description="when the ticker must look at it next (None: nothing runs)",
    )
    due_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=True, index=True),
        description="the earliest deadline of its running stages (pauses included)",
    )
    updated_at: datetime = timestamp_field()


class CityRow(Table, table=True):
    """The city's calendar and policies, as `load-city` stored them (one row)."""

    __tablename__ = "sla_city"

    id: int = Field(default=1, primary_key=True)
    calendar: str = Field(sa_column=Column(Text, nullable=False))
    policies: str = Field(sa_column=Column(Text, nullable=False))
