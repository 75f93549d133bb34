"""Reads and writes of router's tables; callers own the transaction."""

import json
from uuid import UUID

from shapely.geometry import shape
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from router.domain.routing import Decision, Routed, Router
from router.domain.rules import RuleSet
from router.domain.territories import Territory, TerritoryIndex, TerritoryKind
from router.store.tables import CategoryRow, DecisionRow, ExecutorRow, RuleSetRow, TerritoryRow


async def load_router(session: AsyncSession) -> Router | None:
    """The router for the city in the database, or None if no rule set is loaded yet."""
    rule_set = (
        await session.exec(select(RuleSetRow).order_by(col(RuleSetRow.version).desc()))
    ).first()
    if rule_set is None:
        return None
    return build_router(
        RuleSet.model_validate_json(rule_set.document),
        list((await session.exec(select(TerritoryRow))).all()),
        list((await session.exec(select(CategoryRow))).all()),
        list((await session.exec(select(ExecutorRow))).all()),
    )


def build_router(
    rules: RuleSet,
    territories: list[TerritoryRow],
    categories: list[CategoryRow],
    executors: list[ExecutorRow],
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
                for r in territories
            ]
        ),
        category_groups={r.id: r.group for r in categories},
        executor_names={r.id: r.name for r in executors},
    )


async def replace_city(
    session: AsyncSession,
    territories: list[TerritoryRow],
    executors: list[ExecutorRow],
    categories: list[CategoryRow],
    rules: RuleSet,
) -> None:
    for table in (TerritoryRow, ExecutorRow, CategoryRow):
        await session.exec(delete(table))
    session.add_all([*territories, *executors, *categories])
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
    routed = isinstance(decision, Routed)
    session.add(
        DecisionRow(
            appeal_id=appeal_id,
            attempt=attempt,
            outcome="routed" if routed else "manual",
            executor_id=decision.executor_id if isinstance(decision, Routed) else None,
            rule_id=decision.rule.id if isinstance(decision, Routed) else None,
            rule_set_version=rule_set_version,
            territory_ids=decision.territory_ids,
            explanation=decision.explanation if isinstance(decision, Routed) else decision.reason,
            category=category,
        )
    )


async def decisions(session: AsyncSession, appeal_id: UUID) -> list[DecisionRow]:
    statement = (
        select(DecisionRow)
        .where(DecisionRow.appeal_id == appeal_id)
        .order_by(col(DecisionRow.attempt))
    )
    return list((await session.exec(statement)).all())
