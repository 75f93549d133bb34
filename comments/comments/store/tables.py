"""The comments service's tables: who may speak on each appeal, the comments, their photos.
The photos themselves are in the blob store; a row holds their keys and metadata."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Column, ForeignKey, Index, Uuid
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from services.columns import timestamp_field
from services.photo_store import PhotoColumns

__all__ = ["AppealSpeakersRow", "CommentRow", "PhotoRow", "Table"]


class Table(SQLModel, registry=registry()):
    """The comments service's tables: their own metadata, apart from the chassis's."""


class AppealSpeakersRow(Table, table=True):
    """An appeal this service heard of: its citizen and the executor holding it."""

    __tablename__ = "appeal_speakers"

    appeal_id: UUID = Field(primary_key=True)
    citizen_id: UUID | None = Field(default=None, description="pseudonymous")
    executor_id: str | None = Field(default=None, max_length=64)
    correlation_id: UUID | None = Field(default=None, description="of the appeal's first event")
    updated_at: datetime = timestamp_field()


class CommentRow(Table, table=True):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_appeal_posted", "appeal_id", "posted_at", "comment_id"),)

    comment_id: UUID = Field(primary_key=True, description="a UUIDv7: orders same-instant ones")
    appeal_id: UUID
    visibility: str = Field(max_length=16)
    author: str = Field(max_length=16, description="citizen, executor or city")
    author_id: UUID = Field(description="the author's pseudonym (who may add photos)")
    executor_id: str | None = Field(default=None, max_length=64)
    by: str | None = Field(default=None, max_length=200, description="staff only")
    text: str
    posted_at: datetime = timestamp_field()


class PhotoRow(PhotoColumns, Table, table=True):
    """A photo of a comment (`PhotoColumns`: its files' keys and what it is)."""

    __tablename__ = "comment_photos"

    comment_id: UUID = Field(
        sa_column=Column(
            Uuid(),
            ForeignKey("comments.comment_id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
