"""Reads and writes of sla-tracker's tables; callers own the transaction."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sla_tracker.domain.clock import Stage
from sla_tracker.domain.policy import StageKind
from sla_tracker.store.tables import CityRow, ClockRow


def stages_to_json(stages: Sequence[Stage]) -> str:
    return json.dumps([_stage_to_dict(s) for s in stages])


def stages_from_json(text: str) -> list[Stage]:
    return [_stage_from_dict(d) for d in json.loads(text)]


def _stage_to_dict(stage: Stage) -> dict[str, Any]:
    def at(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "kind": stage.kind.value,
        "started": at(stage.started),
        "due": at(stage.due),
        "executor_id": stage.executor_id,
        "ended": at(stage.ended),
        "paused_at": at(stage.paused_at),
        "paused_s": stage.paused_for.total_seconds(),
        "extended": stage.extended,
        "fired": stage.fired,
    }


def _stage_from_dict(data: dict[str, Any]) -> Stage:
    def at(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text) if text else None

    return Stage(
        kind=StageKind(data["kind"]),
        started=datetime.fromisoformat(data["started"]),
        due=datetime.fromisoformat(data["due"]),
        executor_id=data.get("executor_id"),
        ended=at(data.get("ended")),
        paused_at=at(data.get("paused_at")),
        paused_for=timedelta(seconds=data.get("paused_s", 0.0)),
        extended=bool(data.get("extended")),
        fired=int(data.get("fired", 0)),
    )


_CREATE = text(
    "INSERT INTO clocks (appeal_id, policy_id, territory_ids, stages)"
    " VALUES (:appeal_id, :policy_id, '[]', '[]') ON CONFLICT (appeal_id) DO NOTHING"
)


async def create_clock(session: AsyncSession, appeal_id: UUID, policy_id: str) -> None:
    """An empty clock for the appeal unless it has one (two topics may race to create it)."""
    sql = await session.connection()
    await sql.execute(_CREATE, {"appeal_id": appeal_id, "policy_id": policy_id})


async def get_clock(
    session: AsyncSession, appeal_id: UUID, *, for_update: bool = False
) -> ClockRow | None:
    statement = select(ClockRow).where(ClockRow.appeal_id == appeal_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.exec(statement)).first()


@dataclass(frozen=True)
class DueClock:
    """What a ticker pass needs of a due clock (read as columns, no ORM object)."""

    appeal_id: UUID
    policy_id: str
    stages: str


_DUE = text(
    "SELECT appeal_id, policy_id, stages FROM clocks WHERE next_at <= :now"
    " ORDER BY next_at LIMIT :limit FOR UPDATE SKIP LOCKED"
)
_FIRED = text(
    "UPDATE clocks SET stages = :stages, next_at = :next_at, due_at = :due_at,"
    " updated_at = :updated_at WHERE appeal_id = :appeal_id"
)


async def due_clock_columns(session: AsyncSession, now: datetime, limit: int) -> list[DueClock]:
    """Clocks whose next mark has come, earliest first, locked (others' skipped), as
    columns: the ticker's hot path."""
    sql = await session.connection()
    found = await sql.execute(_DUE, {"now": now, "limit": limit})
    return [DueClock(*row) for row in found.all()]


async def save_fired(session: AsyncSession, changes: Sequence[dict[str, Any]]) -> None:
    """Write back the clocks a pass fired: one UPDATE executed for all of them."""
    if changes:
        sql = await session.connection()
        await sql.execute(_FIRED, list(changes))


async def earliest_next(session: AsyncSession) -> datetime | None:
    statement = select(ClockRow.next_at).order_by(col(ClockRow.next_at)).limit(1)
    statement = statement.where(col(ClockRow.next_at).is_not(None))
    return (await session.exec(statement)).first()


async def overdue(
    session: AsyncSession,
    now: datetime,
    *,
    executor_id: str | None,
    category: str | None,
    territory_id: str | None,
    limit: int,
    offset: int,
) -> list[ClockRow]:
    """Clocks with a running stage past its deadline, most overdue first."""
    statement = select(ClockRow).where(col(ClockRow.due_at) < now)
    if executor_id is not None:
        statement = statement.where(ClockRow.executor_id == executor_id)
    if category is not None:
        statement = statement.where(ClockRow.category == category)
    if territory_id is not None:
        statement = statement.where(col(ClockRow.territory_ids).contains(json.dumps(territory_id)))
    statement = statement.order_by(col(ClockRow.due_at)).limit(limit).offset(offset)
    return list((await session.exec(statement)).all())


async def load_city(session: AsyncSession) -> CityRow | None:
    return await session.get(CityRow, 1)


async def replace_city(session: AsyncSession, calendar: str, policies: str) -> None:
    row = await session.get(CityRow, 1)
    if row is None:
        session.add(CityRow(id=1, calendar=calendar, policies=policies))
    else:
        row.calendar, row.policies = calendar, policies
        session.add(row)
