"""Column types the services' tables share."""

from typing import Any

from sqlalchemy import Column, DateTime, func
from sqlmodel import Field

from contracts.envelope import utcnow


def timestamp_field() -> Any:
    """A timezone-aware timestamp that defaults to now (in Python and in the database)."""
    return Field(
        default_factory=utcnow,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
