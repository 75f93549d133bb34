"""The citizen's steps after filing: answer the question, judge the answer."""

from collections.abc import Awaitable
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import Field, StringConstraints

from contracts.events import MAX_REASON_LENGTH, MAX_TEXT_LENGTH, Rating
from contracts.status import IllegalTransition
from contracts.text import STORABLE
from intake.api import AppealOut, Steps, appeal_view
from intake.domain.errors import AppealNotFound, NotYourAppeal, StepRefused
from services.access import allow
from services.http_responses import errors
from services.identity import Principal, Role
from services.request_bodies import RequestBody

router = APIRouter(tags=["citizen's steps"], responses=errors(404, 409))

Citizen = Annotated[Principal, Depends(allow(Role.CITIZEN))]


Answer = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_LENGTH),
    STORABLE,
]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REASON_LENGTH),
    STORABLE,
]


class ClarificationIn(RequestBody):
    answer: Answer = Field(description="the citizen's answer to the question")


class Confirm(RequestBody):
    """The answer is accepted: the appeal closes."""

    verdict: Literal["confirm"]
    rating: Rating
    comment: Reason | None = None


class Reopen(RequestBody):
    """The answer is disputed: the appeal goes back to the same executor."""

    verdict: Literal["reopen"]
    reason: Reason = Field(description="why the answer does not settle it")
    rating: Rating | None = None


VerdictIn = Annotated[Confirm | Reopen, Field(discriminator="verdict")]


async def _take(
    step: Awaitable[None], steps: Steps, appeal_id: UUID, caller: Principal
) -> AppealOut:
    """Take a citizen's step; its refusals become 403 (not theirs), 404 or 409 (not now)."""
    try:
        await step
        return await appeal_view(steps, appeal_id, caller)
    except AppealNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from error
    except NotYourAppeal as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(error)) from error
    except (StepRefused, IllegalTransition) as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from error


@router.post("/appeals/{appeal_id}/clarification", response_model=AppealOut)
async def provide_clarification(
    appeal_id: UUID, body: ClarificationIn, steps: Steps, caller: Citizen
) -> AppealOut:
    """The citizen who filed the appeal answers the question it waits on
    (`needs_clarification`); it returns to the status it had before. `409` when no
    question is open."""
    return await _take(
        steps.clarify(appeal_id, caller.pseudonym, body.answer), steps, appeal_id, caller
    )


@router.post("/appeals/{appeal_id}/verdict", response_model=AppealOut)
async def give_verdict(
    appeal_id: UUID, body: VerdictIn, steps: Steps, caller: Citizen
) -> AppealOut:
    """The citizen who filed the appeal judges the executor's answer (resolved, clarified
    or rejected) within `INTAKE_VERDICT_DAYS` of it: `confirm` with a rating 1–5 closes
    the appeal, `reopen` with a reason sends it back to the same executor. `409` with the
    reason when the appeal has no answer or the days are over."""
    if isinstance(body, Confirm):
        step = steps.confirm(appeal_id, caller.pseudonym, body.rating, body.comment)
    else:
        step = steps.reopen(appeal_id, caller.pseudonym, body.reason, body.rating)
    return await _take(step, steps, appeal_id, caller)
