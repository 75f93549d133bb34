"""Executor-gateway's HTTP API: an executor's inbox of assignments with each one's history,
the executor's steps, and the operator's rejection of a non-answer."""

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel, Field, StringConstraints

from contracts.events import MAX_ANSWER_LENGTH, MAX_REASON_LENGTH, AppealKind
from contracts.geo import GeoPoint
from contracts.identifiers import EXECUTOR_ID_PATTERN
from contracts.status import AppealStatus
from contracts.text import STORABLE
from executor_gateway.actions import Actions
from executor_gateway.domain.assignment import InvalidInput, NotAllowed
from executor_gateway.store import repository
from executor_gateway.store.repository import AssignmentNotFound
from executor_gateway.store.tables import AssignmentRow, HistoryRow
from services.access import allow, forbid_unless
from services.http_limits import Offset
from services.http_responses import errors, invalid
from services.identity import CITY_STAFF, EXECUTOR_STAFF, Principal, Role
from services.request_bodies import RequestBody
from services.runtime import from_app_state

router = APIRouter(prefix="/executors/{executor_id}", tags=["assignments"], responses=errors(404))
reasons_router = APIRouter(tags=["rejection reasons"])


Answer = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ANSWER_LENGTH),
    STORABLE,
]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REASON_LENGTH),
    STORABLE,
]
ReasonCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
PlannedDate = Annotated[
    date | None,
    Field(description="when the work is planned (the citizen sees it); not before today"),
]


class StepOut(BaseModel):
    """One step of the assignment's life."""

    step: str = Field(description="issued, accepted, resolved, clarified, rejected, …")
    status: AppealStatus = Field(description="the status after the step")
    by: str | None = Field(description='who took it: a staff member, "citizen", or a service')
    at: datetime
    text: str | None = Field(description="the answer, question, reason or comment")
    planned_date: date | None
    reason_code: str | None
    rating: int | None

    @classmethod
    def of(cls, row: HistoryRow) -> "StepOut":
        return cls.model_validate(row, from_attributes=True)


class AssignmentOut(BaseModel):
    appeal_id: UUID
    executor_id: str
    status: AppealStatus
    kind: AppealKind = Field(description="suggestions and thanks are only acknowledged")
    category: str
    location: GeoPoint
    address: str | None
    text: str
    rule_id: str
    priority: str
    answer: str | None = Field(description="what was done, the explanation, or why rejected")
    reason_code: str | None = Field(description="the rejection's reason code")
    planned_date: date | None
    question: str | None = Field(description="the last question asked of the citizen")
    asked_at: datetime | None
    clarification: str | None = Field(description="the citizen's answer to the question")
    closable_at: datetime | None = Field(
        description="while the question waits: from when the appeal may be closed unanswered"
    )
    citizen_reason: str | None = Field(description="why the citizen reopened the appeal")
    rating: int | None = Field(description="the citizen's mark of the answer, 1-5")
    issued_at: datetime
    due_at: datetime | None = Field(
        default=None, description="when the answer is due (the legal deadline); null: none"
    )
    updated_at: datetime

    @classmethod
    def of(cls, row: AssignmentRow, clarification_wait: timedelta) -> "AssignmentOut":
        return cls(
            appeal_id=row.appeal_id,
            executor_id=row.executor_id,
            status=AppealStatus(row.status),
            kind=AppealKind(row.kind),
            category=row.category,
            location=GeoPoint(lat=row.lat, lon=row.lon),
            address=row.address,
            text=row.text,
            rule_id=row.rule_id,
            priority=row.priority,
            answer=row.answer,
            reason_code=row.reason_code,
            planned_date=row.planned_date,
            question=row.question,
            asked_at=row.asked_at,
            clarification=row.clarification,
            closable_at=repository.domain_of(row).closable_at(clarification_wait),
            citizen_reason=row.citizen_reason,
            rating=row.rating,
            issued_at=row.issued_at,
            due_at=row.due_at,
            updated_at=row.updated_at,
        )


class AssignmentDetail(AssignmentOut):
    history: list[StepOut] = Field(description="every step, oldest first")


class AcceptIn(RequestBody):
    comment: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, max_length=MAX_ANSWER_LENGTH), STORABLE
        ]
        | None
    ) = None
    planned_date: PlannedDate = None


class AcknowledgeIn(RequestBody):
    comment: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, max_length=MAX_REASON_LENGTH), STORABLE
        ]
        | None
    ) = None


class RedirectIn(RequestBody):
    reason: Answer = Field(description="why this is not the executor's job (shown to the city)")


class ResolveIn(RequestBody):
    answer: Answer = Field(description="what was done, shown to the citizen")


class ClarifyIn(RequestBody):
    answer: Answer = Field(description="the explanation instead of a fix, shown to the citizen")
    planned_date: PlannedDate = None


class RejectIn(RequestBody):
    reason_code: ReasonCode = Field(description="a code of `GET /rejection-reasons`")
    reason: Reason = Field(description="the reason in words, shown to the citizen")


class AskIn(RequestBody):
    question: Reason = Field(description="what the citizen is asked")


class AnswerRejectionIn(RequestBody):
    reason: Reason = Field(description="why the answer is not an answer (the executor reads it)")


class RejectionReasonOut(BaseModel):
    code: str
    title: str


Service = Annotated[Actions, Depends(from_app_state(Actions, "actions"))]


ExecutorPath = Annotated[
    str, Path(pattern=EXECUTOR_ID_PATTERN, description="the executor organisation's id")
]

OVERSIGHT = frozenset({Role.OPERATOR, Role.CURATOR, Role.ADMIN})
"""City staff who may read any executor's assignments and reject its answers."""


@dataclass(frozen=True)
class Acting:
    """Who acts on which executor's assignments (`by`: the caller's label)."""

    executor_id: str
    by: str


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
) -> Acting:
    """Only the executor's own staff act on its assignments."""
    forbid_unless(caller.works_for(executor_id), f"you do not work for {executor_id!r}")
    return Acting(await _known(executor_id, service), caller.label)


async def _overseer(
    executor_id: ExecutorPath,
    service: Service,
    caller: Annotated[Principal, Depends(allow(*OVERSIGHT))],
) -> Acting:
    """The city's staff overseeing executors judge their answers."""
    return Acting(await _known(executor_id, service), caller.label)


ReadableExecutor = Annotated[str, Depends(_staff_or_city)]
OwnStaff = Annotated[Acting, Depends(_own_staff)]
Overseer = Annotated[Acting, Depends(_overseer)]


@router.get("/assignments", response_model=list[AssignmentOut])
async def list_assignments(
    executor_id: ReadableExecutor,
    service: Service,
    status_filter: Annotated[AppealStatus | None, Query(alias="status")] = None,
    sort: Annotated[
        Literal["issued", "due"],
        Query(description="`issued`: oldest first; `due`: the nearest deadline first"),
    ] = "issued",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[AssignmentOut]:
    """The executor's assignments, oldest first or by their answer deadline."""
    async with service.db.session() as session:
        rows = await repository.assignments(
            session, executor_id, status_filter, limit, offset, by_due=sort == "due"
        )
    return [AssignmentOut.of(r, service.clarification_wait) for r in rows]


@router.get("/assignments/{appeal_id}", response_model=AssignmentDetail)
async def get_assignment(
    executor_id: ReadableExecutor, appeal_id: UUID, service: Service
) -> AssignmentDetail:
    """One assignment of the executor, with every step of its history: who took it, when."""
    async with service.db.session() as session:
        try:
            row = await repository.assignment(session, executor_id, appeal_id)
        except AssignmentNotFound as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from error
        steps = await repository.history(session, appeal_id, executor_id)
    seen = AssignmentOut.of(row, service.clarification_wait)
    return AssignmentDetail(**seen.model_dump(), history=[StepOut.of(s) for s in steps])


async def _perform(service: Actions, action: Awaitable[AssignmentRow]) -> AssignmentOut:
    """Run a step; its refusals become 404 (not theirs), 409 (not now, with the status
    machine's reason) or 422 (a value the domain refuses, with the reason)."""
    try:
        row = await action
    except AssignmentNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from error
    except NotAllowed as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from error
    except InvalidInput as error:
        raise invalid(("body", error.field), str(error), error.kind) from error
    return AssignmentOut.of(row, service.clarification_wait)


@router.post("/assignments/{appeal_id}/accept", response_model=AssignmentOut, responses=errors(409))
async def accept(
    acting: OwnStaff, appeal_id: UUID, service: Service, body: AcceptIn | None = None
) -> AssignmentOut:
    """Take the appeal into work (the citizen sees "accepted"), optionally with a planned
    date (422 if before today) and a comment."""
    body = body or AcceptIn()
    return await _perform(
        service,
        service.accept(
            acting.executor_id,
            appeal_id,
            acting.by,
            comment=body.comment,
            planned_date=body.planned_date,
        ),
    )


@router.post(
    "/assignments/{appeal_id}/resolve", response_model=AssignmentOut, responses=errors(409)
)
async def resolve(
    acting: OwnStaff, appeal_id: UUID, body: ResolveIn, service: Service
) -> AssignmentOut:
    """Answer "fixed", with what was done; the citizen then confirms or reopens."""
    return await _perform(
        service, service.resolve(acting.executor_id, appeal_id, acting.by, body.answer)
    )


@router.post(
    "/assignments/{appeal_id}/clarify", response_model=AssignmentOut, responses=errors(409)
)
async def clarify(
    acting: OwnStaff, appeal_id: UUID, body: ClarifyIn, service: Service
) -> AssignmentOut:
    """Answer with an explanation instead of a fix ("repairs are planned for May"),
    optionally with a planned date (422 if before today)."""
    return await _perform(
        service,
        service.clarify(acting.executor_id, appeal_id, acting.by, body.answer, body.planned_date),
    )


@router.post("/assignments/{appeal_id}/reject", response_model=AssignmentOut, responses=errors(409))
async def reject(
    acting: OwnStaff, appeal_id: UUID, body: RejectIn, service: Service
) -> AssignmentOut:
    """Answer with a refusal, for a reason of the city's list (`GET /rejection-reasons`;
    an unknown code is a 422 listing the known ones) explained in words."""
    return await _perform(
        service,
        service.reject(acting.executor_id, appeal_id, acting.by, body.reason_code, body.reason),
    )


@router.post(
    "/assignments/{appeal_id}/redirect", response_model=AssignmentOut, responses=errors(409)
)
async def redirect(
    acting: OwnStaff, appeal_id: UUID, body: RedirectIn, service: Service
) -> AssignmentOut:
    """ "Not our jurisdiction": the router routes the appeal again without this executor."""
    return await _perform(
        service, service.redirect(acting.executor_id, appeal_id, acting.by, body.reason)
    )


@router.post("/assignments/{appeal_id}/ask", response_model=AssignmentOut, responses=errors(409))
async def ask(acting: OwnStaff, appeal_id: UUID, body: AskIn, service: Service) -> AssignmentOut:
    """Ask the citizen for details: the appeal waits in `needs_clarification` (deadlines
    pause) until the citizen answers, then returns to where it was."""
    return await _perform(
        service, service.ask(acting.executor_id, appeal_id, acting.by, body.question)
    )


@router.post("/assignments/{appeal_id}/close", response_model=AssignmentOut, responses=errors(409))
async def close(acting: OwnStaff, appeal_id: UUID, service: Service) -> AssignmentOut:
    """Close an appeal whose question the citizen left unanswered for
    `GATEWAY_CLARIFICATION_WAIT_DAYS`; before then 409 says from when it can be closed."""
    return await _perform(
        service, service.close_unanswered(acting.executor_id, appeal_id, acting.by)
    )


@router.post(
    "/assignments/{appeal_id}/answer-rejection", response_model=AssignmentOut, responses=errors(409)
)
async def reject_answer(
    acting: Overseer, appeal_id: UUID, body: AnswerRejectionIn, service: Service
) -> AssignmentOut:
    """An operator rejects the executor's answer (resolved, clarified or rejected) as a
    non-answer: the assignment is `reopened` and the executor works on it again."""
    return await _perform(
        service, service.reject_answer(acting.executor_id, appeal_id, acting.by, body.reason)
    )


@reasons_router.get("/rejection-reasons", response_model=list[RejectionReasonOut])
async def rejection_reasons(
    service: Service,
    _caller: Annotated[Principal, Depends(allow(*EXECUTOR_STAFF, *CITY_STAFF))],
) -> list[RejectionReasonOut]:
    """The city's list of reasons an executor may reject an appeal for."""
    async with service.db.session() as session:
        reasons = await repository.rejection_reasons(session)
    return [RejectionReasonOut(code=r.code, title=r.title) for r in reasons]


@router.post(
    "/assignments/{appeal_id}/acknowledge", response_model=AssignmentOut, responses=errors(409)
)
async def acknowledge(
    acting: OwnStaff, appeal_id: UUID, service: Service, body: AcknowledgeIn | None = None
) -> AssignmentOut:
    """Read a suggestion or thanks forwarded for information: its short life ends."""
    comment = body.comment if body else None
    return await _perform(
        service, service.acknowledge(acting.executor_id, appeal_id, acting.by, comment)
    )
