"""Reads and writes of intake's tables; callers own the transaction."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from shapely.geometry import shape
from sqlalchemy import delete, insert, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.channels import DEFAULT_DECLARED_CHANNELS, DeclaredChannel
from contracts.status import ANSWERED, AppealStatus, Lifecycle
from intake.domain.catalogue import Catalogue, Category
from intake.domain.errors import AppealNotFound
from intake.domain.lifecycle import AnswerKind, CitizenView, ModerationState, Step
from intake.domain.moderation import ModerationRules
from intake.store.tables import (
    AppealRow,
    CategoryRow,
    ChannelRow,
    HistoryRow,
    ModerationRulesRow,
    ServedAreaRow,
)


async def load_catalogue(session: AsyncSession) -> Catalogue:
    categories = [
        Category(id=r.id, name=r.name, group=r.group)
        for r in (await session.exec(select(CategoryRow).order_by(col(CategoryRow.id)))).all()
    ]
    channels = [
        DeclaredChannel(id=r.id, name=r.name)
        for r in (await session.exec(select(ChannelRow).order_by(col(ChannelRow.position)))).all()
    ] or DEFAULT_DECLARED_CHANNELS  # a city loaded before channels were declared
    area = (await session.exec(select(ServedAreaRow))).first()
    if area is None:
        return Catalogue("nobody", None, categories, channels)
    return Catalogue(area.name, shape(json.loads(area.geometry)), categories, channels)


async def replace_catalogue(
    session: AsyncSession,
    area_id: str,
    area_name: str,
    geometry: dict[str, Any],
    categories: list[Category],
    channels: Sequence[DeclaredChannel],
) -> None:
    await session.exec(delete(ServedAreaRow))
    session.add(ServedAreaRow(id=area_id, name=area_name, geometry=json.dumps(geometry)))
    await session.exec(delete(CategoryRow))
    session.add_all(CategoryRow(id=c.id, name=c.name, group=c.group) for c in categories)
    await session.exec(delete(ChannelRow))
    session.add_all(
        ChannelRow(id=c.id, name=c.name, position=position) for position, c in enumerate(channels)
    )


async def get(session: AsyncSession, appeal_id: UUID, *, for_update: bool = False) -> AppealRow:
    statement = select(AppealRow).where(AppealRow.id == appeal_id)
    if for_update:
        statement = statement.with_for_update()
    row = (await session.exec(statement)).first()
    if row is None:
        raise AppealNotFound(f"no appeal {appeal_id}")
    return row


async def history(session: AsyncSession, appeal_id: UUID) -> list[HistoryRow]:
    statement = (
        select(HistoryRow).where(HistoryRow.appeal_id == appeal_id).order_by(col(HistoryRow.id))
    )
    return list((await session.exec(statement)).all())


def view_of(row: AppealRow) -> CitizenView:
    return CitizenView(
        lifecycle=Lifecycle(
            AppealStatus(row.status),
            AppealStatus(row.paused_from) if row.paused_from else None,
        ),
        executor_id=row.executor_id,
        executor_name=row.executor_name,
        answer=row.answer,
        answer_kind=AnswerKind(row.answer_kind) if row.answer_kind else None,
        rejection_code=row.rejection_code,
        answered_at=row.answered_at,
        planned_date=row.planned_date,
        question=row.question,
        answer_by=row.answer_by,
        rating=row.rating,
        status_note=row.status_note,
        duplicate_of=row.duplicate_of,
        moderation=ModerationState(row.moderation) if row.moderation else None,
    )


def store_view(
    session: AsyncSession,
    row: AppealRow,
    view: CitizenView,
    step: Step,
    *,
    event_id: UUID,
    event_type: str,
    occurred_at: datetime,
) -> None:
    """Write `view` into `row` and add `step` to its history."""
    row.status = view.status.value
    row.paused_from = view.lifecycle.paused_from.value if view.lifecycle.paused_from else None
    row.executor_id, row.executor_name = view.executor_id, view.executor_name
    row.answer, row.status_note = view.answer, view.status_note
    row.answer_kind = view.answer_kind.value if view.answer_kind else None
    row.rejection_code, row.answered_at = view.rejection_code, view.answered_at
    row.planned_date, row.question, row.rating = view.planned_date, view.question, view.rating
    row.answer_by = view.answer_by
    row.duplicate_of = view.duplicate_of
    row.moderation = view.moderation.value if view.moderation else None
    row.updated_at = occurred_at
    session.add(row)
    session.add(
        HistoryRow(
            appeal_id=row.id,
            event_id=event_id,
            event_type=event_type,
            status=row.status,
            actor=step.actor.value,
            by=step.by,
            note=step.note,
            occurred_at=occurred_at,
        )
    )


async def overdue_for_verdict(
    session: AsyncSession, answered_before: datetime, limit: int
) -> list[AppealRow]:
    """Answered appeals whose answer is older than `answered_before`, locked for update
    (rows another transaction holds are skipped: it is changing them anyway)."""
    statement = (
        select(AppealRow)
        .where(
            col(AppealRow.status).in_([s.value for s in ANSWERED]),
            col(AppealRow.answered_at) < answered_before,
        )
        .order_by(col(AppealRow.answered_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.exec(statement)).all())


async def load_moderation_rules(session: AsyncSession) -> ModerationRules:
    """The city's moderation lists, or the defaults when none were loaded."""
    row = await session.get(ModerationRulesRow, 1)
    return ModerationRules.model_validate_json(row.document) if row else ModerationRules()


async def replace_moderation_rules(session: AsyncSession, rules: ModerationRules | None) -> None:
    """Store the city's lists (None: go back to the defaults)."""
    await session.exec(delete(ModerationRulesRow))
    if rules is not None:
        session.add(ModerationRulesRow(id=1, document=rules.model_dump_json()))


async def held(session: AsyncSession, limit: int) -> list[AppealRow]:
    """Appeals waiting for a moderator, oldest first."""
    statement = (
        select(AppealRow)
        .where(AppealRow.moderation == ModerationState.HELD.value)
        .order_by(col(AppealRow.submitted_at), col(AppealRow.id))
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def by_idempotency_keys(
    session: AsyncSession, keys: Sequence[str]
) -> dict[str, tuple[UUID, str]]:
    """The appeals already filed under any of `keys`: key → (id, status)."""
    if not keys:
        return {}
    statement = select(AppealRow.idempotency_key, AppealRow.id, AppealRow.status).where(
        col(AppealRow.idempotency_key).in_(keys)
    )
    return {key: (id_, status) for key, id_, status in (await session.exec(statement)).all() if key}


async def lock_citizens(session: AsyncSession, citizen_ids: Sequence[UUID]) -> None:
    """Hold a lock on each citizen until the transaction ends, taken in one statement in
    sorted order (two transactions locking overlapping citizens queue, never deadlock)."""
    if not citizen_ids:
        return
    sql = await session.connection()
    await sql.execute(
        text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k"),
        {"keys": sorted({citizen_lock_key(c) for c in citizen_ids})},
    )


def citizen_lock_key(citizen_id: UUID) -> int:
    """The advisory lock key of a citizen's filings (a signed 64-bit integer)."""
    return int.from_bytes(citizen_id.bytes[:8], "big", signed=True)


async def filed_since_each(
    session: AsyncSession, citizen_ids: Sequence[UUID], since: datetime, limit: int
) -> dict[UUID, list[datetime]]:
    """When each citizen filed after `since`, newest first, at most `limit` each (one
    statement for them all)."""
    filed: dict[UUID, list[datetime]] = {c: [] for c in citizen_ids}
    if not citizen_ids:
        return filed
    sql = await session.connection()
    rows = await sql.execute(
        text(
            "SELECT c.id, t.submitted_at FROM unnest(CAST(:ids AS uuid[])) AS c(id),"
            " LATERAL (SELECT submitted_at FROM appeals WHERE citizen_id = c.id"
            " AND submitted_at > :since ORDER BY submitted_at DESC LIMIT :most) AS t"
            " ORDER BY c.id, t.submitted_at DESC"
        ),
        {"ids": list(citizen_ids), "since": since, "most": limit},
    )
    for citizen_id, submitted_at in rows.all():
        filed[citizen_id].append(submitted_at)
    return filed


async def insert_appeals(
    session: AsyncSession, appeals: Sequence[dict[str, Any]], history: Sequence[dict[str, Any]]
) -> None:
    """Insert new appeals and their first history rows: one statement each, executed for
    all rows in one round trip (Core, no ORM objects)."""
    if appeals:
        sql = await session.connection()
        await sql.execute(insert(APPEALS), list(appeals))
        await sql.execute(insert(HISTORY), list(history))


APPEALS = AppealRow.__table__  # type: ignore[attr-defined]
HISTORY = HistoryRow.__table__  # type: ignore[attr-defined]
