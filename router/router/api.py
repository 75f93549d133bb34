"""Router's HTTP API: operators see why each appeal went where it went, and route by hand
what the rules could not."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from contracts.geo import GeoPoint
from contracts.identifiers import ExecutorId
from contracts.text import SafeText
from router.decisions import Casework, UnknownAppeal
from router.domain.case import CaseError, UnknownExecutor
from router.store import repository
from services.access import allow
from services.http_limits import Offset
from services.http_responses import errors, invalid
from services.identity import CITY_STAFF, Principal, Role
from services.request_bodies import RequestBody
from services.runtime import ServiceRuntime, from_app_state, runtime_of

router = APIRouter(prefix="/routing", tags=["routing"])


class CandidateOut(BaseModel):
    rule_id: str
    verdict: str


class DecisionOut(BaseModel):
    appeal_id: UUID
    attempt: int
    outcome: str = Field(description="routed | manual | duplicate")
    executor_id: str | None
    rule_id: str | None
    rule_set_version: int
    territory_ids: list[str]
    candidates: list[CandidateOut] = Field(
        description="the rules for the appeal's category whose territory contains the point,"
        " in order, and why each won or was passed over"
    )
    explanation: str
    priority: str | None
    sla_policy: str | None
    decided_by: str | None
    decided_at: datetime


class RulesInForce(BaseModel):
    version: int
    timezone: str
    rules: int
    territories: int
    buildings: int


class QueuedAppeal(BaseModel):
    appeal_id: UUID
    category: str
    location: GeoPoint
    address: str | None
    text: str
    submitted_at: datetime
    attempt: int
    reason: str
    territory_ids: list[str]
    excluded_executor_ids: list[str]


class ManualRouting(RequestBody):
    """The operator who decides is the signed-in caller, never a field of the request."""

    executor_id: ExecutorId = Field(description="the executor to route to")
    note: SafeText | None = Field(default=None, max_length=2000)


Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]


Work = Annotated[Casework, Depends(from_app_state(Casework, "casework"))]


ROUTING_STAFF = (Role.OPERATOR, Role.ADMIN)


@router.get(
    "/decisions/{appeal_id}",
    response_model=list[DecisionOut],
    responses=errors(404),
    dependencies=[Depends(allow(*CITY_STAFF))],
)
async def get_decisions(appeal_id: UUID, runtime: Runtime) -> list[DecisionOut]:
    """Every routing attempt for the appeal: the rule and version, the territories hit, the
    candidates considered, and who decided."""
    async with runtime.db.session() as session:
        rows = await repository.decisions(session, appeal_id)
    if not rows:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no decision for appeal {appeal_id}")
    return [DecisionOut.model_validate(r, from_attributes=True) for r in rows]


@router.get("/rules", response_model=RulesInForce, dependencies=[Depends(allow(*CITY_STAFF))])
async def rules_in_force(service: Work) -> RulesInForce:
    """The rule set this router instance decides with right now."""
    current = await service.engine.current()
    return RulesInForce(
        version=current.rules.version,
        timezone=current.rules.timezone,
        rules=len(current.rules.rules),
        territories=len(current.territories),
        buildings=len(current.buildings),
    )


@router.get(
    "/manual",
    response_model=list[QueuedAppeal],
    dependencies=[Depends(allow(*ROUTING_STAFF, Role.CURATOR))],
)
async def manual_queue(
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[QueuedAppeal]:
    """Appeals no rule could route (or redirected too often), oldest first."""
    async with runtime.db.session() as session:
        queued = await repository.manual_queue(session, limit, offset)
    return [
        QueuedAppeal(
            appeal_id=a.appeal_id,
            category=a.category,
            location=GeoPoint(lat=a.lat, lon=a.lon),
            address=a.address,
            text=a.text,
            submitted_at=a.submitted_at,
            attempt=a.attempt,
            reason=d.explanation,
            territory_ids=d.territory_ids,
            excluded_executor_ids=a.excluded_executor_ids,
        )
        for a, d in queued
    ]


@router.post("/manual/{appeal_id}", response_model=DecisionOut, responses=errors(404, 409))
async def route_manually(
    appeal_id: UUID,
    body: ManualRouting,
    service: Work,
    caller: Annotated[Principal, Depends(allow(*ROUTING_STAFF))],
) -> DecisionOut:
    """Assign a queued appeal to an executor; emits the same events as an automatic decision.
    The decision records the signed-in operator."""
    operator = caller.label
    try:
        row = await service.route_manually(appeal_id, body.executor_id, operator, body.note)
    except UnknownAppeal as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from error
    except UnknownExecutor as error:
        raise invalid(["body", "executor_id"], str(error), "unknown_executor") from error
    except CaseError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from error
    return DecisionOut.model_validate(row, from_attributes=True)
