"""Executor-gateway's tables: executors and their assignments."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Column, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from services.columns import timestamp_field

__all__ = ["AssignmentRow", "ExecutorRow"]


class Table(SQLModel, registry=registry()):
    """The executor gateway's tables: their own metadata, apart from the chassis's."""


class ExecutorRow(Table, table=True):
    __tablename__ = "executors"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=300)
    kind: str = Field(max_length=64)


class AssignmentRow(Table, table=True):
    """One appeal assigned to one executor."""

    __tablename__ = "assignments"

    appeal_id: UUID = Field(primary_key=True)
    executor_id: str = Field(primary_key=True, max_length=64, index=True)
    status: str = Field(max_length=32, index=True)
    category: str = Field(max_length=64)
    lat: float
    lon: float
    address: str | None = Field(default=None, max_length=500)
    text: str = Field(sa_column=Column(Text, nullable=False))
    rule_id: str = Field(max_length=100)
    priority: str = Field(default="normal", max_length=16)
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    correlation_id: UUID
    assignment_event_id: UUID
    issued_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()
