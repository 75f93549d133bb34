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


class RefusedEnvelope(ValueError):
    """A well-formed envelope that consumers must not apply; they dead-letter it."""


class UnsupportedSchemaVersion(RefusedEnvelope):
    """The envelope's `schema_version` is not one its type understands."""


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

    compacted: ClassVar[bool] = False
    """Its topic keeps only the latest event per key (`key`), not the whole history."""

    schema_versions: ClassVar[tuple[int, ...]] = (1,)
    """The `schema_version`s of this type consumers understand. A breaking change adds a
    version here, and consumers accept both while producers migrate."""

    @classmethod
    def caused_by(cls, cause: Event, **fields: Any) -> Self:
        """An event that follows from `cause`: same correlation, causation = cause."""
        fields.setdefault("appeal_id", cause.appeal_id)
        return cls(correlation_id=cause.correlation_id, causation_id=cause.event_id, **fields)

    def check_schema_version(self) -> None:
        """Raise `UnsupportedSchemaVersion` unless this type understands the version."""
        if self.schema_version not in self.schema_versions:
            supported = ", ".join(str(v) for v in self.schema_versions)
            raise UnsupportedSchemaVersion(
                f"unsupported schema_version {self.schema_version} for {self.type}"
                f" (supported: {supported})"
            )

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.compaction_key is not None:
            cls.compacted = True

    @property
    def key(self) -> bytes | None:
        """Kafka key: the appeal, so one appeal's events stay ordered (or the compaction key)."""
        if self.compaction_key is not None:
            return self.compaction_key
        return str(self.appeal_id).encode() if self.appeal_id else None
