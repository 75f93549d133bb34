"""sla-tracker's HTTP API: an appeal's clock, and what is late."""

import json
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from contracts.roles import CITY_STAFF, EXECUTOR_STAFF
from services.access import allow, forbid_unless
from services.http_limits import Offset
from services.http_responses import errors
from services.identity import Principal
from services.runtime import from_app_state
from sla_tracker.store import repository
from sla_tracker.store.tables import ClockRow
from sla_tracker.tracker import Tracker

router = APIRouter(tags=["sla"])

TrackerDep = Annotated[Tracker, Depends(from_app_state(Tracker, "tracker"))]
Staff = Annotated[Principal, Depends(allow(*CITY_STAFF, *EXECUTOR_STAFF))]


class StageOut(BaseModel):
    stage: str = Field(description="registration, redirect or answer")
    executor_id: str | None
    started_at: datetime
    due_at: datetime = Field(description="the deadline, moved by the time paused")
    ended_at: datetime | None
    paused_since: datetime | None = Field(description="waiting for the citizen since")
    paused_s: float = Field(description="seconds paused so far")
    extended: bool
    late: bool = Field(description="past its deadline (ended late, or running late)")


class ClockOut(BaseModel):
    appeal_id: UUID
    policy_id: str
    executor_id: str | None
    category: str | None
    territory_ids: list[str]
    due_at: datetime | None = Field(description="the earliest deadline running (None: none)")
    next_mark_at: datetime | None = Field(description="the next warning, breach or escalation")
    stages: list[StageOut]


def _out(row: ClockRow, now: datetime) -> ClockOut:
    stages = repository.stages_from_json(row.stages)
    return ClockOut(
        appeal_id=row.appeal_id,
        policy_id=row.policy_id,
        executor_id=row.executor_id,
        category=row.category,
        territory_ids=json.loads(row.territory_ids),
        due_at=row.due_at,
        next_mark_at=row.next_at,
        stages=[
            StageOut(
                stage=s.kind.value,
                executor_id=s.executor_id,
                started_at=s.started,
                due_at=s.effective_due,
                ended_at=s.ended,
                paused_since=s.paused_at,
                paused_s=s.paused_for.total_seconds(),
                extended=s.extended,
                late=(s.ended or now) > s.effective_due,
            )
            for s in stages
        ],
    )


def _sees(caller: Principal, executor_id: str | None) -> bool:
    """City staff see every clock; an executor's staff only their organisation's."""
    if caller.roles & CITY_STAFF:
        return True
    return executor_id is not None and caller.organisation == executor_id


@router.get("/sla/appeals/{appeal_id}", response_model=ClockOut, responses=errors(404))
async def appeal_clock(appeal_id: UUID, tracker: TrackerDep, caller: Staff) -> ClockOut:
    """An appeal's stages, their deadlines, pauses and whether each is late (city staff,
    or the staff of the executor that holds it)."""
    async with tracker.db.session() as session:
        row = await repository.get_clock(session, appeal_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no clock for appeal {appeal_id}")
    forbid_unless(_sees(caller, row.executor_id), "the appeal is another organisation's")
    return _out(row, tracker.clock.now())


@router.get("/sla/overdue", response_model=list[ClockOut])
async def overdue(
    tracker: TrackerDep,
    caller: Staff,
    executor_id: Annotated[str | None, Query(max_length=64)] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    territory_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[ClockOut]:
    """Appeals with a stage running past its deadline, most overdue first; filtered by
    executor, category, territory. An executor's staff see only their own organisation's
    (without `executor_id`, theirs; with another's, 403)."""
    if not caller.roles & CITY_STAFF:
        executor_id = executor_id or caller.organisation
        forbid_unless(
            executor_id is not None and executor_id == caller.organisation,
            "an executor's staff see their own organisation's appeals only",
        )
    now = tracker.clock.now()
    async with tracker.db.session() as session:
        rows = await repository.overdue(
            session,
            now,
            executor_id=executor_id,
            category=category,
            territory_id=territory_id,
            limit=limit,
            offset=offset,
        )
    return [_out(row, now) for row in rows]
