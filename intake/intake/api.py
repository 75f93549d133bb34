"""Intake's HTTP API: citizens and their apps submit appeals and follow them."""

import hashlib
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Header, HTTPException, Response, status
from pydantic import BaseModel, Field, StringConstraints

from contracts.events import MAX_TEXT_LENGTH, AppealSubmittedPayload, Channel
from contracts.geo import GeoPoint
from contracts.identifiers import CategoryId
from contracts.status import AppealStatus
from contracts.text import STORABLE, SafeText
from intake.domain.errors import AppealNotFound, IntakeError
from intake.store import repository
from intake.store.tables import AppealRow
from intake.submissions import Submissions
from services.access import allow, public, viewer
from services.http_responses import errors, invalid
from services.identity import CITY_STAFF, Principal, Role
from services.runtime import from_app_state

router = APIRouter(tags=["appeals"])

Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_LENGTH),
    STORABLE,
]


class AppealIn(BaseModel):
    category: CategoryId = Field(
        description="category id, see GET /categories", examples=["pothole"]
    )
    location: GeoPoint
    address: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), STORABLE] | None
    ) = None
    building_id: SafeText | None = Field(default=None, max_length=100)
    text: Text = Field(description="what is wrong, in the citizen's words")
    channel: Channel = Channel.WEB


class Executor(BaseModel):
    id: str
    name: str | None


class Step(BaseModel):
    status: AppealStatus
    event: str
    at: datetime


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
    category: str
    location: GeoPoint
    address: str | None = Field(description="private: null in the public view")
    text: str | None = Field(description="private: null in the public view")
    executor: Executor | None
    answer: str | None
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


Service = Annotated[Submissions, Depends(from_app_state(Submissions, "submissions"))]


@router.post(
    "/appeals",
    status_code=status.HTTP_201_CREATED,
    response_model=Submitted,
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
    the appeal the first one created (200) instead of filing it twice."""
    payload = AppealSubmittedPayload.model_validate(
        {**body.model_dump(exclude_none=True), "citizen_id": caller.pseudonym}
    )
    key = _scoped(idempotency_key, caller) if idempotency_key else None
    try:
        appeal_id, created = await service.submit(payload, key)
    except IntakeError as error:
        raise invalid(["body", error.field], str(error), error.code) from error
    if not created:
        response.status_code = status.HTTP_200_OK
    url = f"/appeals/{appeal_id}"
    response.headers["Location"] = url
    return Submitted(id=appeal_id, status=AppealStatus.NEW, url=url)


def _scoped(idempotency_key: str, caller: Principal) -> str:
    """One citizen's keys never meet another's (stored hashed, in the column's length)."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"{caller.pseudonym.hex}:{digest}"


@router.get("/appeals/{appeal_id}", response_model=AppealOut, responses=errors(404))
async def get_appeal(
    appeal_id: UUID, service: Service, caller: Annotated[Principal | None, Depends(viewer())]
) -> AppealOut:
    """The appeal: status, executor, answer and history for anyone; its text and address
    only for the citizen who filed it and for city staff."""
    async with service.db.session() as session:
        try:
            row = await repository.get(session, appeal_id)
        except AppealNotFound as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from error
        steps = await repository.history(session, appeal_id)
        original = await repository.get(session, row.duplicate_of) if row.duplicate_of else None
    private = caller is not None and (
        caller.has_any(CITY_STAFF)  # city staff read every appeal whole
        or (Role.CITIZEN in caller.roles and caller.pseudonym == row.citizen_id)
    )
    return AppealOut(
        id=row.id,
        view="private" if private else "public",
        status=AppealStatus(row.status),
        status_note=row.status_note,
        category=row.category,
        location=GeoPoint(lat=row.lat, lon=row.lon),
        address=row.address if private else None,
        text=row.text if private else None,
        executor=_executor(row),
        answer=row.answer,
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
        history=[
            Step(status=AppealStatus(s.status), event=s.event_type, at=s.occurred_at) for s in steps
        ],
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
