"""Executor-gateway's tables: executors, their assignments and each one's history, and the
city's list of rejection reasons."""

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Column, DateTime, ForeignKeyConstraint, Index, String, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from services.columns import timestamp_field
from services.photo_store import PhotoColumns

__all__ = ["AnswerPhotoRow", "AssignmentRow", "ExecutorRow", "HistoryRow", "RejectionReasonRow"]


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
    kind: str = Field(
        default="problem",
        sa_column=Column(String(16), nullable=False, server_default="problem"),
        description="an AppealKind: problem, suggestion or gratitude",
    )
    lat: float
    lon: float
    address: str | None = Field(default=None, max_length=500)
    text: str = Field(sa_column=Column(Text, nullable=False))
    rule_id: str = Field(max_length=100)
    priority: str = Field(default="normal", max_length=16)
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """The executor's answer: what was done, the explanation, or the rejection's reason."""
    reason_code: str | None = Field(default=None, max_length=64)
    planned_date: date | None = None
    paused_from: str | None = Field(default=None, max_length=32)
    """While waiting for the citizen's details: the status the answer returns it to."""
    question: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    asked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    clarification: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """The citizen's answer to the question."""
    citizen_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """Why the citizen reopened the appeal."""
    rating: int | None = None
    correlation_id: UUID
    assignment_event_id: UUID
    issued_at: datetime = timestamp_field()
    due_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=True, index=True),
        description="when the executor must answer by (sla-tracker's DeadlineSet)",
    )
    updated_at: datetime = timestamp_field()


class HistoryRow(Table, table=True):
    """One step of an assignment's life: who took it, when, and the status after."""

    __tablename__ = "assignment_history"
    __table_args__ = (Index("ix_assignment_history_assignment", "appeal_id", "executor_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: UUID
    executor_id: str = Field(max_length=64)
    step: str = Field(max_length=32)
    status: str = Field(max_length=32)
    by: str | None = Field(default=None, max_length=200)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    planned_date: date | None = None
    reason_code: str | None = Field(default=None, max_length=64)
    rating: int | None = None


class RejectionReasonRow(Table, table=True):
    """An entry of the city's list of reasons an executor may reject an appeal for."""

    __tablename__ = "rejection_reasons"

    code: str = Field(primary_key=True, max_length=64)
    title: str = Field(max_length=300)
    position: int = Field(description="order in the list")


class AnswerPhotoRow(PhotoColumns, Table, table=True):
    """A photo the executor's staff added to its answer (the files are in the blob store)."""

    __tablename__ = "answer_photos"
    __table_args__ = (
        ForeignKeyConstraint(
            ["appeal_id", "executor_id"], ["assignments.appeal_id", "assignments.executor_id"]
        ),
        Index("ix_answer_photos_assignment", "appeal_id", "executor_id"),
    )

    appeal_id: UUID
    executor_id: str = Field(max_length=64)
