"""Reads and writes of executor-gateway's tables; callers own the transaction."""

from uuid import UUID

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.events import AssignmentIssued
from contracts.status import AppealStatus
from executor_gateway.store.tables import AssignmentRow, ExecutorRow


class AssignmentNotFound(LookupError):
    pass


async def replace_executors(session: AsyncSession, executors: list[ExecutorRow]) -> None:
    await session.exec(delete(ExecutorRow))
    session.add_all(executors)


async def executor_exists(session: AsyncSession, executor_id: str) -> bool:
    return await session.get(ExecutorRow, executor_id) is not None


async def add_assignment(session: AsyncSession, event: AssignmentIssued) -> None:
    """Store an issued assignment; one issued again to the same executor (an operator sent
    it back after a redirect) reopens it."""
    p = event.payload
    values = {
        "status": AppealStatus.ROUTED.value,
        "category": p.category,
        "lat": p.location.lat,
        "lon": p.location.lon,
        "address": p.address,
        "text": p.text,
        "rule_id": p.rule_id,
        "priority": p.priority.value,
        "correlation_id": event.correlation_id,
        "assignment_event_id": event.event_id,
        "issued_at": event.occurred_at,
        "updated_at": event.occurred_at,
    }
    statement = insert(AssignmentRow).values(
        appeal_id=event.appeal_id, executor_id=p.executor_id, **values
    )
    await session.exec(
        statement.on_conflict_do_update(index_elements=["appeal_id", "executor_id"], set_=values)
    )


async def assignments(
    session: AsyncSession, executor_id: str, status: AppealStatus | None, limit: int, offset: int
) -> list[AssignmentRow]:
    statement = select(AssignmentRow).where(AssignmentRow.executor_id == executor_id)
    if status is not None:
        statement = statement.where(AssignmentRow.status == status.value)
    statement = statement.order_by(col(AssignmentRow.issued_at)).limit(limit).offset(offset)
    return list((await session.exec(statement)).all())


async def assignment(
    session: AsyncSession, executor_id: str, appeal_id: UUID, *, for_update: bool = False
) -> AssignmentRow:
    statement = select(AssignmentRow).where(
        AssignmentRow.appeal_id == appeal_id, AssignmentRow.executor_id == executor_id
    )
    if for_update:
        statement = statement.with_for_update()
    row = (await session.exec(statement)).first()
    if row is None:
        raise AssignmentNotFound(f"appeal {appeal_id} is not assigned to {executor_id!r}")
    return row
