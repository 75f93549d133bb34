"""Reads and writes of router's tables; callers own the transaction."""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from shapely.geometry import shape
from sqlalchemy import delete, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.events import DEFAULT_CHANNELS
from router.domain.appeal import AppealToRoute
from router.domain.buildings import Building, BuildingRegistry
from router.domain.case import OPEN_STATES, Case, CaseState
from router.domain.duplicates import OpenAppeal
from router.domain.matchers import MatcherFactory
from router.domain.routing import Decision, Routed, Router
from router.domain.rules import RuleSet
from router.domain.territories import Territory, TerritoryIndex, TerritoryKind
from router.plugins import installed_matchers
from router.store.tables import (
    AppealRow,
    BuildingRow,
    CategoryRow,
    ChannelRow,
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
    channels: list[ChannelRow] = field(default_factory=list)
    """The channels the city declares; none (a city loaded before channels were
    declared): the defaults."""


async def load_router(
    session: AsyncSession, matchers: Mapping[str, MatcherFactory] | None = None
) -> Router | None:
    """The router for the city in the database, or None if no rule set is loaded yet
    (`matchers`: default, those installed)."""
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
        channels=list((await session.exec(select(ChannelRow))).all()),
    )
    return build_router(RuleSet.model_validate_json(rule_set.document), city, matchers)


def build_router(
    rules: RuleSet, city: City, matchers: Mapping[str, MatcherFactory] | None = None
) -> Router:
    """The router for `city` under `rules`, with `matchers` (default: those installed)."""
    if matchers is None:
        matchers = installed_matchers()
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
            Building(id=b.id, address=b.address, territory_id=b.territory_id, lon=b.lon, lat=b.lat)
            for b in city.buildings
        ),
        matchers=matchers,
        channels=[c.id for c in city.channels] or DEFAULT_CHANNELS,
    )


async def replace_city(session: AsyncSession, city: City, rules: RuleSet) -> None:
    for table in (TerritoryRow, ExecutorRow, CategoryRow, BuildingRow, ChannelRow):
        await session.exec(delete(table))
    session.add_all(
        [*city.territories, *city.executors, *city.categories, *city.buildings, *city.channels]
    )
    await store_rule_set(session, rules)


class RuleSetConflict(ValueError):
    pass


async def store_rule_set(session: AsyncSession, rules: RuleSet) -> bool:
    """Keep `rules` under its version; True if new. The same version with other rules is
    refused: every decision names its version, so a version must never change meaning."""
    document = rules.model_dump_json()
    existing = await session.get(RuleSetRow, rules.version)
    if existing is None:
        session.add(RuleSetRow(version=rules.version, document=document))
        return True
    if RuleSet.model_validate_json(existing.document) != rules:
        raise RuleSetConflict(
            f"rule set version {rules.version} already exists with other rules;"
            " give the new rules a higher version"
        )
    return False


def to_route(appeal: AppealRow, *, with_redirects: bool = True) -> AppealToRoute:
    """The case file as the router's input; `with_redirects=False` forgets exclusions."""
    return AppealToRoute(
        category=appeal.category,
        lon=appeal.lon,
        lat=appeal.lat,
        channel=appeal.channel,
        submitted_at=appeal.submitted_at,
        building_id=appeal.building_id,
        address=appeal.address,
        excluded_executors=frozenset(appeal.excluded_executor_ids if with_redirects else ()),
    )


def case_of(appeal: AppealRow) -> Case:
    """The case file's lifecycle part, as the domain object that guards it."""
    return Case(
        appeal_id=appeal.appeal_id,
        state=CaseState(appeal.state),
        executor_id=appeal.executor_id,
        attempt=appeal.attempt,
        excluded_executor_ids=tuple(appeal.excluded_executor_ids),
        duplicate_of=appeal.duplicate_of,
    )


def save_case(session: AsyncSession, appeal: AppealRow, case: Case) -> None:
    """Write `case` back into its case file (the row that `case_of` read)."""
    appeal.state = case.state.value
    appeal.executor_id = case.executor_id
    appeal.attempt = case.attempt
    if list(case.excluded_executor_ids) != appeal.excluded_executor_ids:
        appeal.excluded_executor_ids = list(case.excluded_executor_ids)  # a new list: JSON
    appeal.duplicate_of = case.duplicate_of
    session.add(appeal)


async def get_appeal(
    session: AsyncSession, appeal_id: UUID, *, for_update: bool = False
) -> AppealRow | None:
    statement = select(AppealRow).where(AppealRow.appeal_id == appeal_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.exec(statement)).first()


async def open_appeals_near(
    session: AsyncSession,
    category: str,
    box: tuple[float, float, float, float],
    submitted: tuple[datetime, datetime],
) -> list[OpenAppeal]:
    """Routed or manually queued appeals of `category` inside `box`, submitted between
    `submitted` (both ends included). Columns only, no ORM objects; the query flushes the
    transaction's pending rows first, so appeals decided earlier in a batch are seen."""
    min_lat, max_lat, min_lon, max_lon = box
    statement = select(  # type: ignore[call-overload]
        AppealRow.appeal_id,
        AppealRow.category,
        AppealRow.lat,
        AppealRow.lon,
        AppealRow.submitted_at,
        AppealRow.channel,
        AppealRow.building_id,
        AppealRow.address,
    ).where(
        AppealRow.category == category,
        col(AppealRow.state).in_([s.value for s in OPEN_STATES]),
        col(AppealRow.submitted_at).between(*submitted),
        col(AppealRow.lat).between(min_lat, max_lat),
        col(AppealRow.lon).between(min_lon, max_lon),
    )
    return [
        OpenAppeal(
            appeal_id,
            category_id,
            lat,
            lon,
            submitted_at,
            channel=channel,
            building_id=building_id,
            address=address,
        )
        for appeal_id, category_id, lat, lon, submitted_at, channel, building_id, address in (
            await session.exec(statement)
        ).all()
    ]


async def appeal_known(session: AsyncSession, appeal_id: UUID) -> bool:
    """Whether the router has a case file for the appeal (its id only is read)."""
    statement = select(AppealRow.appeal_id).where(AppealRow.appeal_id == appeal_id)
    return (await session.exec(statement)).first() is not None


async def lock_area(session: AsyncSession, keys: list[int]) -> None:
    """Hold these advisory locks until the transaction ends, taken in one statement in
    sorted order (unnest keeps the array's order)."""
    sql = await session.connection()
    await sql.execute(
        text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k"),
        {"keys": sorted(keys)},
    )


async def manual_queue(
    session: AsyncSession, limit: int, offset: int
) -> list[tuple[AppealRow, DecisionRow]]:
    """Appeals waiting for an operator, oldest first, with the decision that sent them."""
    statement = (
        select(AppealRow, DecisionRow)
        .join(
            DecisionRow,
            (col(DecisionRow.appeal_id) == col(AppealRow.appeal_id))
            & (col(DecisionRow.attempt) == col(AppealRow.attempt)),
        )
        .where(AppealRow.state == CaseState.MANUAL.value)
        .order_by(col(AppealRow.submitted_at))
        .limit(limit)
        .offset(offset)
    )
    return [(a, d) for a, d in (await session.exec(statement)).all()]


async def executor_name(session: AsyncSession, executor_id: str) -> str | None:
    row = await session.get(ExecutorRow, executor_id)
    return row.name if row else None


def record_decision(
    session: AsyncSession, appeal: AppealRow, decision: Decision, rule_set_version: int
) -> None:
    routed = decision if isinstance(decision, Routed) else None
    session.add(
        DecisionRow(
            appeal_id=appeal.appeal_id,
            attempt=appeal.attempt,
            outcome="routed" if routed else "manual",
            executor_id=routed.executor_id if routed else None,
            rule_id=routed.rule.id if routed else None,
            rule_set_version=rule_set_version,
            territory_ids=decision.territory_ids,
            explanation=decision.explanation,
            category=appeal.category,
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


def record_outcome(
    session: AsyncSession,
    appeal: AppealRow,
    outcome: str,
    explanation: str,
    rule_set_version: int,
    *,
    executor_id: str | None = None,
    decided_by: str | None = None,
) -> DecisionRow:
    """A decision not made by the rules: a duplicate, an escalation, an operator's choice."""
    row = DecisionRow(
        appeal_id=appeal.appeal_id,
        attempt=appeal.attempt,
        outcome=outcome,
        executor_id=executor_id,
        rule_id=MANUAL_RULE if decided_by else None,
        rule_set_version=rule_set_version,
        territory_ids=[],
        explanation=explanation,
        category=appeal.category,
        decided_by=decided_by,
    )
    session.add(row)
    return row


MANUAL_RULE = "manual"
"""The rule id of decisions an operator made."""


async def recent_appeals(session: AsyncSession, limit: int) -> list[AppealRow]:
    statement = select(AppealRow).order_by(col(AppealRow.submitted_at).desc()).limit(limit)
    return list((await session.exec(statement)).all())
