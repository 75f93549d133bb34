"""Reads and writes of router's tables; callers own the transaction."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from shapely.geometry import shape
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from router.domain.buildings import Building, BuildingRegistry
from router.domain.matchers import MatcherFactory
from router.domain.routing import Decision, Routed, Router
from router.domain.rules import RuleSet
from router.domain.territories import Territory, TerritoryIndex, TerritoryKind
from router.store.tables import (
    BuildingRow,
    CategoryRow,
    DecisionRow,
    ExecutorRow,
    RuleSetRow,
    TerritoryRow,
)


@dataclass
class City:
    """Everything router knows about a city besides its rules, as stored."""

    territories: list[TerritoryRow]
    executors: list[ExecutorRow]
    categories: list[CategoryRow]
    buildings: list[BuildingRow]


async def load_router(
    session: AsyncSession, matchers: Mapping[str, MatcherFactory] | None = None
) -> Router | None:
    """The router for the city in the database, or None if no rule set is loaded yet."""
    rule_set = (
        await session.exec(select(RuleSetRow).order_by(col(RuleSetRow.version).desc()))
    ).first()
    if rule_set is None:
        return None
    city = City(
        territories=list((await session.exec(select(TerritoryRow))).all()),
        executors=list((await session.exec(select(ExecutorRow))).all()),
        categories=list((await session.exec(select(CategoryRow))).all()),
        buildings=list((await session.exec(select(BuildingRow))).all()),
    )
    return build_router(RuleSet.model_validate_json(rule_set.document), city, matchers)


def build_router(
    rules: RuleSet, city: City, matchers: Mapping[str, MatcherFactory] | None = None
) -> Router:
    return Router(
        rules=rules,
        territories=TerritoryIndex(
            [
                Territory(
                    id=r.id,
                    kind=TerritoryKind(r.kind),
                    name=r.name,
                    executor_id=r.executor_id,
                    geometry=shape(json.loads(r.geometry)),
                )
                for r in city.territories
            ]
        ),
        category_groups={r.id: r.group for r in city.categories},
        executor_names={r.id: r.name for r in city.executors},
        buildings=BuildingRegistry(
            Building(id=b.id, address=b.address, territory_id=b.territory_id)
            for b in city.buildings
        ),
        matchers=matchers,
    )


async def replace_city(session: AsyncSession, city: City, rules: RuleSet) -> None:
    for table in (TerritoryRow, ExecutorRow, CategoryRow, BuildingRow):
        await session.exec(delete(table))
    session.add_all([*city.territories, *city.executors, *city.categories, *city.buildings])
    if await session.get(RuleSetRow, rules.version) is None:
        session.add(RuleSetRow(version=rules.version, document=rules.model_dump_json()))


async def has_decision(session: AsyncSession, appeal_id: UUID, attempt: int) -> bool:
    return await session.get(DecisionRow, (appeal_id, attempt)) is not None


def record_decision(
    session: AsyncSession,
    appeal_id: UUID,
    attempt: int,
    category: str,
    decision: Decision,
    rule_set_version: int,
) -> None:
    routed = decision if isinstance(decision, Routed) else None
    session.add(
        DecisionRow(
            appeal_id=appeal_id,
            attempt=attempt,
            outcome="routed" if routed else "manual",
            executor_id=routed.executor_id if routed else None,
            rule_id=routed.rule.id if routed else None,
            rule_set_version=rule_set_version,
            territory_ids=decision.territory_ids,
            explanation=decision.explanation,
            category=category,
            candidates=[
                {"rule_id": c.rule_id, "verdict": c.verdict.value} for c in decision.candidates
            ],
            priority=routed.rule.priority.value if routed else None,
            sla_policy=routed.rule.sla_policy if routed else None,
        )
    )


async def decisions(session: AsyncSession, appeal_id: UUID) -> list[DecisionRow]:
    statement = (
        select(DecisionRow)
        .where(DecisionRow.appeal_id == appeal_id)
        .order_by(col(DecisionRow.attempt))
    )
    return list((await session.exec(statement)).all())
