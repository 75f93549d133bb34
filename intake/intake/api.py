"""Intake's HTTP API: citizens and their apps submit appeals and follow them."""

import hashlib
from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Header, HTTPException, Response, status
from pydantic import BaseModel, Field, StringConstraints

from contracts.events import MAX_TEXT_LENGTH, AppealKind, AppealSubmittedPayload, Channel
from contracts.geo import GeoPoint
from contracts.identifiers import CategoryId, ChannelId
from contracts.status import AppealStatus
from contracts.text import STORABLE, SafeText
from intake.citizen_steps import CitizenSteps
from intake.domain.errors import AppealNotFound, IntakeError
from intake.domain.filing_limits import FilingLimited
from intake.domain.lifecycle import Actor, AnswerKind
from intake.store import repository
from intake.store.tables import AppealRow, HistoryRow
from intake.submissions import Submissions
from services.access import allow, public, viewer
from services.http_responses import error, errors, invalid
from services.identity import CITY_STAFF, Principal, Role
from services.request_bodies import RequestBody
from services.runtime import from_app_state

router = APIRouter(tags=["appeals"])

Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_LENGTH),
    STORABLE,
]


class AppealIn(RequestBody):
    category: CategoryId = Field(
        description="category id, see GET /categories", examples=["pothole"]
    )
    location: GeoPoint
    address: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), STORABLE] | None
    ) = None
    building_id: SafeText | None = Field(default=None, max_length=100)
    text: Text = Field(description="what is wrong, in the citizen's words")
    channel: ChannelId = Field(
        default=Channel.WEB.value,
        description="where the appeal came from: one of the city's channels, see GET /channels",
        examples=["web"],
    )
    kind: AppealKind = Field(
        default=AppealKind.PROBLEM,
        description="problem (to fix), suggestion or gratitude (passed on for information)",
    )


class Executor(BaseModel):
    id: str
    name: str | None


class Step(BaseModel):
    """One step of the appeal's life: what happened, who took it, when."""

    status: AppealStatus = Field(description="the status the step left the appeal in")
    event: str
    at: datetime
    actor: Actor | None = Field(description="citizen, executor, staff or platform")
    by: str | None = Field(
        description="private: who exactly — the staff member, the organisation, or `you`"
        " for the citizen's own steps; null in the public view"
    )
    note: str | None = Field(
        description="private: what was said (the question, an answer, a reason); null in the"
        " public view"
    )


class Original(BaseModel):
    """The appeal a duplicate follows: its progress is the duplicate's progress."""

    id: UUID
    status: AppealStatus
    executor: Executor | None
    answer: str | None
    updated_at: datetime


class AppealOut(BaseModel):
    """Anyone sees the public view; the citizen who filed it and the city's staff also see
    its text and address (`view: "private"`)."""

    id: UUID
    view: Literal["public", "private"]
    status: AppealStatus
    status_note: str | None
    kind: AppealKind
    category: str
    location: GeoPoint
    address: str | None = Field(description="private: null in the public view")
    text: str | None = Field(
        description="private: what the citizen wrote; in the public view the public text"
        " (null while a moderator has not let the appeal through)"
    )
    public_text: str | None = Field(
        description="what the public reads: the text with phones, e-mails and names masked,"
        " or as a moderator edited it; null while held or after a moderator rejected it"
    )
    executor: Executor | None
    answer: str | None = Field(description="the executor's answer (or the rejection's reason)")
    answer_kind: AnswerKind | None = Field(description="resolved, clarified or rejected")
    rejection_code: str | None = Field(description="the reason from the city's list")
    answered_at: datetime | None
    verdict_until: datetime | None = Field(
        description="until when the citizen may confirm or reopen the answer (POST"
        " /appeals/{id}/verdict); unjudged, it closes then"
    )
    planned_date: date | None = Field(description="when the executor plans the work")
    question: str | None = Field(
        description="private: the question awaiting the citizen's answer (POST"
        " /appeals/{id}/clarification); null in the public view"
    )
    answer_by: datetime | None = Field(
        description="private: until when the citizen may answer the question"
    )
    resumes_as: AppealStatus | None = Field(
        description="while the appeal waits for the citizen: the status it returns to"
    )
    rating: int | None = Field(description="the citizen's rating of the answer, 1 to 5")
    due_at: datetime | None = Field(
        default=None,
        description="when the executor must answer by (the legal deadline, moved by the"
        " time the appeal waited for the citizen and by an extension)",
    )
    duplicate_of: Original | None = None
    submitted_at: datetime
    updated_at: datetime
    history: list[Step]


class Submitted(BaseModel):
    id: UUID
    status: AppealStatus
    url: str


class CategoryOut(BaseModel):
    id: str
    name: str
    group: str


class ChannelOut(BaseModel):
    id: str
    name: str


Service = Annotated[Submissions, Depends(from_app_state(Submissions, "submissions"))]


@router.post(
    "/appeals",
    status_code=status.HTTP_201_CREATED,
    response_model=Submitted,
    responses=error(429, "the citizen filed too many appeals lately; again after `Retry-After` s"),
)
async def submit_appeal(
    body: AppealIn,
    service: Service,
    response: Response,
    caller: Annotated[Principal, Depends(allow(Role.CITIZEN))],
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> Submitted:
    """Submit an appeal as the signed-in citizen (the appeal records their pseudonymous
    id, never a name typed in). A retried request with the same `Idempotency-Key` returns
    the appeal the first one created (200) instead of filing it twice.

    Phones, e-mails and names are masked in the public text; obscene or stop words hold
    the appeal for a moderator (`status: "moderation"`). `422` for a category, channel or
    point the city does not take (the reason lists what it does take); `429` with
    `Retry-After` when the citizen filed too many appeals in the last hour or day."""
    payload = AppealSubmittedPayload.model_validate(
        {**body.model_dump(exclude_none=True), "citizen_id": caller.pseudonym}
    )
    key = _scoped(idempotency_key, caller) if idempotency_key else None
    try:
        appeal_id, created, state = await service.submit(payload, key)
    except IntakeError as error:
        raise invalid(["body", error.field], str(error), error.code) from error
    except FilingLimited as limited:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=str(limited),
            headers={"Retry-After": str(limited.retry_after_s)},
        ) from limited
    if not created:
        response.status_code = status.HTTP_200_OK
    url = f"/appeals/{appeal_id}"
    response.headers["Location"] = url
    return Submitted(id=appeal_id, status=state, url=url)


def _scoped(idempotency_key: str, caller: Principal) -> str:
    """One citizen's keys never meet another's (stored hashed, in the column's length)."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"{caller.pseudonym.hex}:{digest}"


Steps = Annotated[CitizenSteps, Depends(from_app_state(CitizenSteps, "citizen_steps"))]


@router.get("/appeals/{appeal_id}", response_model=AppealOut, responses=errors(404))
async def get_appeal(
    appeal_id: UUID, steps: Steps, caller: Annotated[Principal | None, Depends(viewer())]
) -> AppealOut:
    """The appeal: status, executor, answer, planned date, rating and history for anyone;
    its text, address, the open question and who said what in each step only for the
    citizen who filed it and for city staff."""
    try:
        return await appeal_view(steps, appeal_id, caller)
    except AppealNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from error


async def appeal_view(steps: CitizenSteps, appeal_id: UUID, caller: Principal | None) -> AppealOut:
    """The appeal as `caller` may see it; raises AppealNotFound."""
    async with steps.db.session() as session:
        row = await repository.get(session, appeal_id)
        history = await repository.history(session, appeal_id)
        original = await repository.get(session, row.duplicate_of) if row.duplicate_of else None
    owner = (
        caller is not None and Role.CITIZEN in caller.roles and caller.pseudonym == row.citizen_id
    )
    private = owner or (caller is not None and caller.has_any(CITY_STAFF))
    view = repository.view_of(row)
    public_text = row.public_text if view.public_text_shown else None
    return AppealOut(
        id=row.id,
        view="private" if private else "public",
        status=view.status,
        status_note=row.status_note,
        kind=AppealKind(row.kind),
        category=row.category,
        location=GeoPoint(lat=row.lat, lon=row.lon),
        address=row.address if private else None,
        text=row.text if private else public_text,
        public_text=public_text,
        executor=_executor(row),
        answer=view.answer,
        answer_kind=view.answer_kind,
        rejection_code=view.rejection_code,
        answered_at=view.answered_at,
        verdict_until=view.verdict_ends(steps.verdict_window),
        planned_date=view.planned_date,
        question=view.question if private else None,
        answer_by=view.answer_by if private else None,
        resumes_as=view.lifecycle.paused_from,
        rating=view.rating,
        due_at=row.due_at,
        duplicate_of=Original(
            id=original.id,
            status=AppealStatus(original.status),
            executor=_executor(original),
            answer=original.answer,
            updated_at=original.updated_at,
        )
        if original
        else None,
        submitted_at=row.submitted_at,
        updated_at=row.updated_at,
        history=[_step(s, private=private, owner=owner) for s in history],
    )


def _step(row: HistoryRow, *, private: bool, owner: bool) -> Step:
    actor = Actor(row.actor) if row.actor else None
    by = row.by
    if actor is Actor.CITIZEN:
        by = "you" if owner else "the citizen"
    return Step(
        status=AppealStatus(row.status),
        event=row.event_type,
        at=row.occurred_at,
        actor=actor,
        by=by if private else None,
        note=row.note if private else None,
    )


def _executor(row: AppealRow) -> Executor | None:
    return Executor(id=row.executor_id, name=row.executor_name) if row.executor_id else None


@router.get("/categories", response_model=list[CategoryOut], dependencies=[Depends(public())])
async def list_categories(service: Service) -> list[CategoryOut]:
    """The categories an appeal can have."""
    return [
        CategoryOut(id=c.id, name=c.name, group=c.group)
        for c in service.catalogue.categories.values()
    ]


@router.get("/channels", response_model=list[ChannelOut], dependencies=[Depends(public())])
async def list_channels(service: Service) -> list[ChannelOut]:
    """The channels the city takes appeals through (an appeal's `channel`), in its order."""
    return [ChannelOut(id=c.id, name=c.name) for c in service.catalogue.channels.values()]
