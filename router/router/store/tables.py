"""Router's tables: the city it routes for (territories, executors, categories, rule sets)
and every decision it made."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, Column, DateTime, Index, String, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from services.columns import timestamp_field

__all__ = [
    "AppealRow",
    "BuildingRow",
    "CategoryRow",
    "ChannelRow",
    "DecisionRow",
    "ExecutorRow",
    "RuleSetRow",
    "TerritoryRow",
]


class Table(SQLModel, registry=registry()):
    """The router's tables: their own metadata, apart from the chassis's."""


class TerritoryRow(Table, table=True):
    __tablename__ = "territories"

    id: str = Field(primary_key=True, max_length=100)
    kind: str = Field(max_length=32, index=True)
    name: str = Field(max_length=300)
    executor_id: str | None = Field(default=None, max_length=64)
    geometry: str = Field(sa_column=Column(Text, nullable=False), description="GeoJSON geometry")


class BuildingRow(Table, table=True):
    """The building registry: which management company's territory serves a building (none:
    its owners manage it), and where it stands when known."""

    __tablename__ = "buildings"

    id: str = Field(primary_key=True, max_length=100)
    address: str = Field(max_length=500)
    normalised_address: str = Field(max_length=500, index=True)
    territory_id: str | None = Field(default=None, max_length=100)
    lon: float | None = None
    lat: float | None = None


class ExecutorRow(Table, table=True):
    __tablename__ = "executors"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=300)


class CategoryRow(Table, table=True):
    __tablename__ = "categories"

    id: str = Field(primary_key=True, max_length=64)
    group: str = Field(max_length=64)


class ChannelRow(Table, table=True):
    """A channel the city takes appeals through (`channels.json`, or the defaults); rules
    may name only these."""

    __tablename__ = "channels"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=300)


class RuleSetRow(Table, table=True):
    """Every rule set ever loaded; the highest version is in force."""

    __tablename__ = "rule_sets"

    version: int = Field(primary_key=True)
    document: str = Field(sa_column=Column(Text, nullable=False), description="the rule set, JSON")
    loaded_at: datetime = timestamp_field()


class AppealRow(Table, table=True):
    """Router's case file of an appeal: what it needs to route it again (redirects,
    manual routing) and to find duplicates of it."""

    __tablename__ = "appeals"
    __table_args__ = (Index("ix_appeals_open_by_category", "category", "state", "submitted_at"),)

    appeal_id: UUID = Field(primary_key=True)
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
    submitted_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    correlation_id: UUID
    state: str = Field(max_length=16, description="a CaseState (router.domain.case)")
    executor_id: str | None = Field(default=None, max_length=64)
    attempt: int = 1
    excluded_executor_ids: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    duplicate_of: UUID | None = None
    updated_at: datetime = timestamp_field()


class DecisionRow(Table, table=True):
    """Why an appeal went where it went (one row per appeal and attempt)."""

    __tablename__ = "routing_decisions"

    appeal_id: UUID = Field(primary_key=True)
    attempt: int = Field(default=1, primary_key=True)
    outcome: str = Field(max_length=16, description="routed | manual | duplicate")
    executor_id: str | None = Field(default=None, max_length=64, index=True)
    rule_id: str | None = Field(default=None, max_length=100)
    rule_set_version: int
    territory_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    explanation: str = Field(sa_column=Column(Text, nullable=False))
    category: str = Field(max_length=64)
    candidates: list[dict[str, str]] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False),
        description="the rules for the category, in order, and why each won or not",
    )
    priority: str | None = Field(default=None, max_length=16)
    sla_policy: str | None = Field(default=None, max_length=100)
    decided_by: str | None = Field(default=None, max_length=200, description="operator, if manual")
    decided_at: datetime = timestamp_field()
