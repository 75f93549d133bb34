"""Executor-gateway's HTTP API: an executor's inbox of assignments, and its answers."""

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel, Field, StringConstraints

from contracts.events import MAX_ANSWER_LENGTH
from contracts.geo import GeoPoint
from contracts.identifiers import EXECUTOR_ID_PATTERN
from contracts.status import AppealStatus
from contracts.text import STORABLE
from executor_gateway.actions import Actions
from executor_gateway.domain.assignment import AssignmentError
from executor_gateway.store import repository
from executor_gateway.store.repository import AssignmentNotFound
from executor_gateway.store.tables import AssignmentRow
from services.access import allow, forbid_unless
from services.http_limits import Offset
from services.http_responses import errors
from services.identity import EXECUTOR_STAFF, Principal, Role
from services.runtime import from_app_state

router = APIRouter(prefix="/executors/{executor_id}", tags=["assignments"], responses=errors(404))

Answer = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ANSWER_LENGTH),
    STORABLE,
]


class AssignmentOut(BaseModel):
    appeal_id: UUID
    executor_id: str
    status: AppealStatus
    category: str
    location: GeoPoint
    address: str | None
    text: str
    rule_id: str
    priority: str
    answer: str | None
    issued_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: AssignmentRow) -> "AssignmentOut":
        return cls(
            appeal_id=row.appeal_id,
            executor_id=row.executor_id,
            status=AppealStatus(row.status),
            category=row.category,
            location=GeoPoint(lat=row.lat, lon=row.lon),
            address=row.address,
            text=row.text,
            rule_id=row.rule_id,
            priority=row.priority,
            answer=row.answer,
            issued_at=row.issued_at,
            updated_at=row.updated_at,
        )


class AcceptIn(BaseModel):
    comment: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, max_length=MAX_ANSWER_LENGTH), STORABLE
        ]
        | None
    ) = None


class RedirectIn(BaseModel):
    reason: Answer = Field(description="why this is not the executor's job (shown to the city)")


class ResolveIn(BaseModel):
    answer: Answer = Field(description="what was done, shown to the citizen")


Service = Annotated[Actions, Depends(from_app_state(Actions, "actions"))]


ExecutorPath = Annotated[
    str, Path(pattern=EXECUTOR_ID_PATTERN, description="the executor organisation's id")
]

OVERSIGHT = frozenset({Role.OPERATOR, Role.CURATOR, Role.ADMIN})
"""City staff who may read any executor's assignments."""


async def _known(executor_id: str, service: Actions) -> str:
    async with service.db.session() as session:
        if not await repository.executor_exists(session, executor_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no executor {executor_id!r}")
    return executor_id


async def _staff_or_city(
    executor_id: ExecutorPath,
    service: Service,
    caller: Annotated[Principal, Depends(allow(*EXECUTOR_STAFF, *OVERSIGHT))],
) -> str:
    """The executor's own staff, or the city's staff overseeing executors, may read."""
    forbid_unless(
        caller.works_for(executor_id) or caller.has_any(OVERSIGHT),
        f"you do not work for {executor_id!r}",
    )
    return await _known(executor_id, service)


async def _own_staff(
    executor_id: ExecutorPath,
    service: Service,
    caller: Annotated[Principal, Depends(allow(*EXECUTOR_STAFF))],
) -> str:
    """Only the executor's own staff act on its assignments."""
    forbid_unless(caller.works_for(executor_id), f"you do not work for {executor_id!r}")
    return await _known(executor_id, service)


ReadableExecutor = Annotated[str, Depends(_staff_or_city)]
OwnExecutor = Annotated[str, Depends(_own_staff)]


@router.get("/assignments", response_model=list[AssignmentOut])
async def list_assignments(
    executor_id: ReadableExecutor,
    service: Service,
    status_filter: Annotated[AppealStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[AssignmentOut]:
    """The executor's assignments, oldest first."""
    async with service.db.session() as session:
        rows = await repository.assignments(session, executor_id, status_filter, limit, offset)
    return [AssignmentOut.of(r) for r in rows]


@router.get("/assignments/{appeal_id}", response_model=AssignmentOut)
async def get_assignment(
    executor_id: ReadableExecutor, appeal_id: UUID, service: Service
) -> AssignmentOut:
    """One assignment of the executor."""
    async with service.db.session() as session:
        try:
            row = await repository.assignment(session, executor_id, appeal_id)
        except AssignmentNotFound as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from error
    return AssignmentOut.of(row)


async def _perform(action: Awaitable[AssignmentRow]) -> AssignmentOut:
    """Run an executor's action; its refusals become 404 (not theirs) or 409 (not now)."""
    try:
        row = await action
    except AssignmentNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from error
    except AssignmentError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from error
    return AssignmentOut.of(row)


@router.post("/assignments/{appeal_id}/accept", response_model=AssignmentOut, responses=errors(409))
async def accept(
    executor_id: OwnExecutor, appeal_id: UUID, service: Service, body: AcceptIn | None = None
) -> AssignmentOut:
    """Take the appeal into work (the citizen sees "accepted")."""
    return await _perform(service.accept(executor_id, appeal_id, body.comment if body else None))


@router.post(
    "/assignments/{appeal_id}/resolve", response_model=AssignmentOut, responses=errors(409)
)
async def resolve(
    executor_id: OwnExecutor, appeal_id: UUID, body: ResolveIn, service: Service
) -> AssignmentOut:
    """Report the problem fixed, with an answer the citizen reads."""
    return await _perform(service.resolve(executor_id, appeal_id, body.answer))


@router.post(
    "/assignments/{appeal_id}/redirect", response_model=AssignmentOut, responses=errors(409)
)
async def redirect(
    executor_id: OwnExecutor, appeal_id: UUID, body: RedirectIn, service: Service
) -> AssignmentOut:
    """ "Not our jurisdiction": the router routes the appeal again without this executor."""
    return await _perform(service.redirect(executor_id, appeal_id, body.reason))
