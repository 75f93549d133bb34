"""The staff directory's table: who holds which roles, as administrators set them."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Column, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from services.columns import timestamp_field

__all__ = ["StaffMemberRow"]


class Table(SQLModel, registry=registry()):
    """The staff directory's tables: their own metadata, apart from the chassis's."""


class StaffMemberRow(Table, table=True):
    """One staff member's granted roles (a member without roles has no row)."""

    __tablename__ = "staff_members"

    member_id: UUID = Field(primary_key=True)
    issuer: str = Field(max_length=500)
    subject: str = Field(max_length=255)
    name: str | None = Field(default=None, max_length=200)
    roles: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    organisation: str | None = Field(default=None, max_length=64, index=True)
    updated_by: str = Field(max_length=200)
    updated_at: datetime = timestamp_field()
