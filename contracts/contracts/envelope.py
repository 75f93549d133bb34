"""The envelope every message on the platform's topics travels in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Self
from uuid import UUID

import uuid_utils
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


def new_event_id() -> UUID:
    """A UUIDv7: unique, and sortable by creation time."""
    return UUID(bytes=uuid_utils.uuid7().bytes)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    """Common envelope fields; each event type subclasses it with a typed `payload`.

    Consumers ignore fields they do not know, so schemas can grow additively; a
    breaking change is a new `schema_version`.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: UUID = Field(default_factory=new_event_id)
    type: str
    schema_version: int = 1
    occurred_at: AwareDatetime = Field(default_factory=utcnow)
    appeal_id: UUID | None = None
    producer: str
    correlation_id: UUID
    causation_id: UUID | None = None
    payload: BaseModel

    compaction_key: ClassVar[bytes | None] = None
    """For events on a compacted topic: the key whose latest event is kept."""

    @classmethod
    def caused_by(cls, cause: Event, **fields: Any) -> Self:
        """An event that follows from `cause`: same correlation, causation = cause."""
        fields.setdefault("appeal_id", cause.appeal_id)
        return cls(correlation_id=cause.correlation_id, causation_id=cause.event_id, **fields)

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @property
    def key(self) -> bytes | None:
        """Kafka key: the appeal, so one appeal's events stay ordered (or the compaction key)."""
        if self.compaction_key is not None:
            return self.compaction_key
        return str(self.appeal_id).encode() if self.appeal_id else None
