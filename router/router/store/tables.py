"""Router's tables: the city it routes for (territories, executors, categories, rule sets)
and every decision it made."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from services.columns import timestamp_field
from services.inbox import InboxEntry
from services.outbox import OutboxMessage

__all__ = [
    "CategoryRow",
    "DecisionRow",
    "ExecutorRow",
    "InboxEntry",
    "OutboxMessage",
    "RuleSetRow",
    "TerritoryRow",
]


class TerritoryRow(SQLModel, table=True):
    __tablename__ = "territories"

    id: str = Field(primary_key=True, max_length=100)
    kind: str = Field(max_length=32, index=True)
    name: str = Field(max_length=300)
    executor_id: str | None = Field(default=None, max_length=64)
    geometry: str = Field(sa_column=Column(Text, nullable=False), description="GeoJSON geometry")


class ExecutorRow(SQLModel, table=True):
    __tablename__ = "executors"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=300)


class CategoryRow(SQLModel, table=True):
    __tablename__ = "categories"

    id: str = Field(primary_key=True, max_length=64)
    group: str = Field(max_length=64)


class RuleSetRow(SQLModel, table=True):
    """Every rule set ever loaded; the highest version is in force."""

    __tablename__ = "rule_sets"

    version: int = Field(primary_key=True)
    document: str = Field(sa_column=Column(Text, nullable=False), description="the rule set, JSON")
    loaded_at: datetime = timestamp_field()


class DecisionRow(SQLModel, table=True):
    """Why an appeal went where it went (one row per appeal and attempt)."""

    __tablename__ = "routing_decisions"

    appeal_id: UUID = Field(primary_key=True)
    attempt: int = Field(default=1, primary_key=True)
    outcome: str = Field(max_length=16, description="routed | manual")
    executor_id: str | None = Field(default=None, max_length=64, index=True)
    rule_id: str | None = Field(default=None, max_length=100)
    rule_set_version: int
    territory_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    explanation: str = Field(sa_column=Column(Text, nullable=False))
    category: str = Field(max_length=64)
    decided_at: datetime = timestamp_field()
