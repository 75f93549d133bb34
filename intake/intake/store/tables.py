"""Intake's tables: appeals as citizens see them, their history, the city catalogue, and
the citizens who sign in by phone (personal data stays in intake's database)."""

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Column, DateTime, Index, String, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from services.columns import timestamp_field
from services.photo_store import PhotoColumns

__all__ = [
    "AppealPhotoRow",
    "AppealRow",
    "CategoryRow",
    "ChannelRow",
    "CitizenRow",
    "HistoryRow",
    "ModerationRulesRow",
    "ServedAreaRow",
    "SignInChallengeRow",
]


class Table(SQLModel, registry=registry()):
    """Intake's tables: their own metadata, apart from the chassis's."""


class AppealRow(Table, table=True):
    __tablename__ = "appeals"
    __table_args__ = (Index("ix_appeals_citizen_submitted", "citizen_id", "submitted_at"),)

    id: UUID = Field(primary_key=True)
    citizen_id: UUID | None = Field(default=None, index=True)
    category: str = Field(max_length=64)
    lat: float
    lon: float
    address: str | None = Field(default=None, max_length=500)
    building_id: str | None = Field(default=None, max_length=100)
    text: str = Field(sa_column=Column(Text, nullable=False))
    channel: str = Field(max_length=32)
    kind: str = Field(
        default="problem",
        sa_column=Column(String(16), nullable=False, server_default="problem"),
        description="an AppealKind: problem, suggestion or gratitude",
    )
    status: str = Field(max_length=32, index=True)
    public_text: str | None = Field(
        default=None,
        sa_column=Column(Text, nullable=True),
        description="what the public reads: masked by the checks or edited by a moderator",
    )
    moderation: str | None = Field(
        default=None,
        max_length=16,
        index=True,
        description="a ModerationState; None: the checks passed it",
    )
    moderation_reasons: str | None = Field(
        default=None, sa_column=Column(Text, nullable=True), description="JSON list: why held"
    )
    status_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    executor_id: str | None = Field(default=None, max_length=64)
    executor_name: str | None = Field(default=None, max_length=300)
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    paused_from: str | None = Field(
        default=None, max_length=32, description="the status a question paused the appeal in"
    )
    answer_kind: str | None = Field(default=None, max_length=16)
    rejection_code: str | None = Field(default=None, max_length=64)
    answered_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True, index=True)
    )
    planned_date: date | None = None
    question: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answer_by: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    rating: int | None = None
    duplicate_of: UUID | None = Field(default=None, index=True)
    due_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=True),
        description="when the executor must answer by (sla-tracker's DeadlineSet)",
    )
    idempotency_key: str | None = Field(default=None, max_length=100, unique=True)
    submitted_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class HistoryRow(Table, table=True):
    """One line per lifecycle step, in the order intake learnt them."""

    __tablename__ = "appeal_history"

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: UUID = Field(index=True, foreign_key="appeals.id")
    event_id: UUID
    event_type: str = Field(max_length=64)
    status: str = Field(max_length=32)
    actor: str | None = Field(default=None, max_length=16, description="citizen, executor, …")
    by: str | None = Field(default=None, max_length=300, description="who exactly (not public)")
    note: str | None = Field(
        default=None, sa_column=Column(Text, nullable=True), description="not public"
    )
    occurred_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class CategoryRow(Table, table=True):
    __tablename__ = "categories"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=300)
    group: str = Field(max_length=64)


class ChannelRow(Table, table=True):
    """A channel the city takes appeals through (`channels.json`, or the defaults)."""

    __tablename__ = "channels"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=300)
    position: int = Field(description="the order the city lists its channels in")


class ServedAreaRow(Table, table=True):
    """The boundary appeals must fall inside (GeoJSON geometry)."""

    __tablename__ = "served_area"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=300)
    geometry: str = Field(sa_column=Column(Text, nullable=False))


class ModerationRulesRow(Table, table=True):
    """The city's moderation lists (`moderation.json`, loaded by `load-city`); no row:
    the defaults."""

    __tablename__ = "moderation_rules"

    id: int = Field(default=1, primary_key=True)
    document: str = Field(sa_column=Column(Text, nullable=False))


class CitizenRow(Table, table=True):
    """A citizen who signed in by phone; `id` is the subject of their tokens."""

    __tablename__ = "citizens"

    id: UUID = Field(primary_key=True)
    phone: str = Field(max_length=16, unique=True, description="E.164")
    created_at: datetime = timestamp_field()
    last_signed_in_at: datetime = timestamp_field()


class SignInChallengeRow(Table, table=True):
    """A code sent to a phone (kept only as an HMAC); also the log the send limits count,
    so rows are kept a day after they expire."""

    __tablename__ = "sign_in_challenges"
    __table_args__ = (
        Index("ix_sign_in_challenges_phone_sent", "phone", "sent_at"),
        Index("ix_sign_in_challenges_client_sent", "client", "sent_at"),
    )

    id: UUID = Field(primary_key=True)
    phone: str = Field(max_length=16, description="E.164")
    client: str = Field(max_length=64, description="the network address that asked")
    code_digest: str = Field(max_length=64)
    sent_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    tries: int = 0
    used: bool = False


class AppealPhotoRow(PhotoColumns, Table, table=True):
    """A photo the citizen added to the appeal (the files are in the blob store)."""

    __tablename__ = "appeal_photos"

    appeal_id: UUID = Field(foreign_key="appeals.id", index=True)
    published: bool = Field(
        default=False, description="a moderator showed it to the public (it is private before)"
    )
