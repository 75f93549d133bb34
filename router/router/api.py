"""Router's HTTP API: operators see why each appeal went where it went."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel

from router.store import repository
from services.runtime import ServiceRuntime, runtime_of

router = APIRouter(prefix="/routing", tags=["routing"])


class DecisionOut(BaseModel):
    appeal_id: UUID
    attempt: int
    outcome: str
    executor_id: str | None
    rule_id: str | None
    rule_set_version: int
    territory_ids: list[str]
    explanation: str
    decided_at: datetime


def _runtime(request: Request) -> ServiceRuntime:
    return runtime_of(request)


@router.get("/decisions/{appeal_id}", response_model=list[DecisionOut])
async def get_decisions(
    appeal_id: UUID, runtime: Annotated[ServiceRuntime, Depends(_runtime)]
) -> list[DecisionOut]:
    """Every routing attempt for the appeal, with the rule and territories that decided."""
    async with runtime.db.session() as session:
        rows = await repository.decisions(session, appeal_id)
    if not rows:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no decision for appeal {appeal_id}")
    return [DecisionOut.model_validate(r, from_attributes=True) for r in rows]
