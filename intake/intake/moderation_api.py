"""The moderators' HTTP API: the queue of held appeals and their decisions."""

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field, StringConstraints

from contracts.events import MAX_REASON_LENGTH, MAX_TEXT_LENGTH
from contracts.geo import GeoPoint
from contracts.identifiers import CategoryId
from contracts.status import IllegalTransition
from contracts.text import STORABLE
from intake.api import AppealOut, Steps, appeal_view
from intake.domain.errors import AppealNotFound, IntakeError, StepRefused
from intake.moderation import HeldAppeal, Moderation
from services.access import allow
from services.http_responses import errors, invalid
from services.identity import Principal, Role
from services.request_bodies import RequestBody
from services.runtime import from_app_state

router = APIRouter(tags=["moderation"])

Moderator = Annotated[Principal, Depends(allow(Role.MODERATOR, Role.ADMIN))]
Service = Annotated[Moderation, Depends(from_app_state(Moderation, "moderation"))]

PublicText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_LENGTH),
    STORABLE,
]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REASON_LENGTH),
    STORABLE,
]


class HeldOut(BaseModel):
    """A held appeal as a moderator reads it."""

    id: UUID
    category: str
    location: GeoPoint
    address: str | None
    text: str = Field(description="what the citizen wrote")
    public_text: str | None = Field(description="what the public would read (masked)")
    channel: str = Field(description="one of the city's channels, see GET /channels")
    reasons: list[str] = Field(description="why the checks held it")
    submitted_at: datetime


class ApproveIn(RequestBody):
    public_text: PublicText | None = Field(
        default=None, description="what the public reads instead of the masked text"
    )


class RejectIn(RequestBody):
    reason_code: CategoryId = Field(description="a code from GET /moderation/reasons")
    reason: Reason = Field(description="the reason in words the citizen reads")


class PublicTextIn(RequestBody):
    public_text: PublicText


class QuestionIn(RequestBody):
    question: Reason = Field(description="what the citizen is asked (they answer in the app)")


class ReasonOut(BaseModel):
    code: str
    title: str


def _held(appeal: HeldAppeal) -> HeldOut:
    row = appeal.row
    return HeldOut(
        id=row.id,
        category=row.category,
        location=GeoPoint(lat=row.lat, lon=row.lon),
        address=row.address,
        text=row.text,
        public_text=row.public_text,
        channel=row.channel,
        reasons=appeal.reasons,
        submitted_at=row.submitted_at,
    )


@router.get("/moderation/queue", response_model=list[HeldOut])
async def moderation_queue(
    service: Service,
    caller: Moderator,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[HeldOut]:
    """Appeals the automatic checks held (status `moderation`), oldest first, with the
    reasons and the citizen's full text."""
    return [_held(a) for a in await service.queue(limit)]


@router.get("/moderation/reasons", response_model=list[ReasonOut])
async def reject_reasons(service: Service, caller: Moderator) -> list[ReasonOut]:
    """The reasons a moderator may reject an appeal for (the city's `moderation.json`)."""
    return [ReasonOut(code=r.code, title=r.title) for r in service.rules.reject_reasons]


async def _decide(
    step: Awaitable[None], steps: Steps, appeal_id: UUID, caller: Principal
) -> AppealOut:
    """Take a moderator's step; its refusals become 404, 409 (not now) or 422."""
    try:
        await step
        return await appeal_view(steps, appeal_id, caller)
    except AppealNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from error
    except (StepRefused, IllegalTransition) as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from error
    except IntakeError as error:
        raise invalid(["body", error.field], str(error), error.code) from error


@router.post(
    "/moderation/{appeal_id}/approve", response_model=AppealOut, responses=errors(404, 409)
)
async def approve(
    appeal_id: UUID, body: ApproveIn, service: Service, steps: Steps, caller: Moderator
) -> AppealOut:
    """Let a held appeal through (`AppealApproved`): it is `new` again and the router
    routes it; with `public_text`, that is what the public reads. `409` unless held."""
    step = service.approve(appeal_id, caller.label, body.public_text)
    return await _decide(step, steps, appeal_id, caller)


@router.post("/moderation/{appeal_id}/reject", response_model=AppealOut, responses=errors(404, 409))
async def reject(
    appeal_id: UUID, body: RejectIn, service: Service, steps: Steps, caller: Moderator
) -> AppealOut:
    """Reject a held appeal (`AppealRejected` with no executor): it is never routed and
    the public never reads its text. `422` for a code not on the city's list, `409`
    unless held."""
    step = service.reject(appeal_id, caller.label, body.reason_code, body.reason)
    return await _decide(step, steps, appeal_id, caller)


@router.put(
    "/moderation/{appeal_id}/public-text", response_model=AppealOut, responses=errors(404, 409)
)
async def edit_public_text(
    appeal_id: UUID, body: PublicTextIn, service: Service, steps: Steps, caller: Moderator
) -> AppealOut:
    """Replace what the public reads of an appeal (`PublicTextEdited`; the executor's copy
    stays as the citizen wrote it). `409` while it is held (approve it with the text) or
    after a moderator rejected it."""
    step = service.edit_public_text(appeal_id, caller.label, body.public_text)
    return await _decide(step, steps, appeal_id, caller)


@router.post(
    "/moderation/{appeal_id}/question", response_model=AppealOut, responses=errors(404, 409)
)
async def ask(
    appeal_id: UUID, body: QuestionIn, service: Service, steps: Steps, caller: Moderator
) -> AppealOut:
    """Ask the citizen for details of an appeal in work (`ClarificationRequested` with no
    executor): it waits in `needs_clarification`, and the executor's assignment with it,
    until the citizen answers or the question's deadline passes. `409` unless in work."""
    step = service.ask(appeal_id, caller.label, body.question)
    return await _decide(step, steps, appeal_id, caller)
