"""Reads and writes of executor-gateway's tables; callers own the transaction."""

from uuid import UUID

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.events import AppealKind, AssignmentIssued
from contracts.status import AppealStatus
from executor_gateway.domain.assignment import Assignment, Step
from executor_gateway.store.tables import (
    AssignmentRow,
    ExecutorRow,
    HistoryRow,
    RejectionReasonRow,
)
from services.db import core


class AssignmentNotFound(LookupError):
    pass


async def replace_executors(session: AsyncSession, executors: list[ExecutorRow]) -> None:
    await session.exec(delete(ExecutorRow))
    session.add_all(executors)


async def executor_exists(session: AsyncSession, executor_id: str) -> bool:
    return await session.get(ExecutorRow, executor_id) is not None


_ASSIGNMENTS = AssignmentRow.__table__  # type: ignore[attr-defined]
_INSERT_ASSIGNMENT = insert(_ASSIGNMENTS)
_REISSUED = (
    "status", "kind", "category", "lat", "lon", "address", "text", "rule_id", "priority",
    "paused_from", "correlation_id", "assignment_event_id", "issued_at", "updated_at",
)  # fmt: skip
_ISSUE = _INSERT_ASSIGNMENT.on_conflict_do_update(
    index_elements=["appeal_id", "executor_id"],
    set_={column: getattr(_INSERT_ASSIGNMENT.excluded, column) for column in _REISSUED},
)
"""Insert an assignment or reopen the same executor's: Core, compiled once, parameters."""


async def add_assignment(session: AsyncSession, event: AssignmentIssued) -> None:
    """Store an issued assignment; one issued again to the same executor (an operator sent
    it back after a redirect) reopens it."""
    p = event.payload
    status = AppealStatus.ROUTED if p.kind is AppealKind.PROBLEM else AppealStatus.FORWARDED
    values = {
        "status": status.value,
        "kind": p.kind.value,
        "category": p.category,
        "lat": p.location.lat,
        "lon": p.location.lon,
        "address": p.address,
        "text": p.text,
        "rule_id": p.rule_id,
        "priority": p.priority.value,
        "paused_from": None,
        "correlation_id": event.correlation_id,
        "assignment_event_id": event.event_id,
        "issued_at": event.occurred_at,
        "updated_at": event.occurred_at,
    }
    sql = await core(session)
    await sql.execute(
        _ISSUE, {"appeal_id": event.appeal_id, "executor_id": p.executor_id, **values}
    )
    issued = Step("issued", status, event.producer, event.occurred_at, p.text)
    add_step(session, event.appeal_id, p.executor_id, issued)


async def assignments(
    session: AsyncSession,
    executor_id: str,
    status: AppealStatus | None,
    limit: int,
    offset: int,
    *,
    by_due: bool = False,
) -> list[AssignmentRow]:
    """An executor's assignments, oldest first, or by deadline (none last, then oldest)."""
    statement = select(AssignmentRow).where(AssignmentRow.executor_id == executor_id)
    if status is not None:
        statement = statement.where(AssignmentRow.status == status.value)
    oldest = (col(AssignmentRow.issued_at), col(AssignmentRow.appeal_id))
    if by_due:
        statement = statement.order_by(col(AssignmentRow.due_at).asc().nulls_last(), *oldest)
    else:
        statement = statement.order_by(*oldest)
    statement = statement.limit(limit).offset(offset)
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


async def current_assignment(
    session: AsyncSession, appeal_id: UUID, executor_id: str | None = None
) -> AssignmentRow | None:
    """The assignment an appeal's event is about, locked: `executor_id`'s, or the latest
    issued one not redirected away (None: the gateway holds none)."""
    statement = select(AssignmentRow).where(AssignmentRow.appeal_id == appeal_id)
    if executor_id is not None:
        statement = statement.where(AssignmentRow.executor_id == executor_id)
    else:
        statement = statement.where(AssignmentRow.status != AppealStatus.REDIRECTED.value)
    statement = statement.order_by(col(AssignmentRow.issued_at).desc()).limit(1)
    return (await session.exec(statement.with_for_update())).first()


def domain_of(row: AssignmentRow) -> Assignment:
    return Assignment(
        executor_id=row.executor_id,
        status=AppealStatus(row.status),
        answer=row.answer,
        planned_date=row.planned_date,
        reason_code=row.reason_code,
        paused_from=AppealStatus(row.paused_from) if row.paused_from else None,
        question=row.question,
        asked_at=row.asked_at,
        clarification=row.clarification,
        citizen_reason=row.citizen_reason,
        rating=row.rating,
    )


def store_step(
    session: AsyncSession, row: AssignmentRow, assignment: Assignment, step: Step
) -> None:
    """Write the assignment back after `step`, and add the step to its history."""
    row.status = assignment.status.value
    row.paused_from = assignment.paused_from.value if assignment.paused_from else None
    row.answer, row.reason_code = assignment.answer, assignment.reason_code
    row.planned_date = assignment.planned_date
    row.question, row.asked_at = assignment.question, assignment.asked_at
    row.clarification, row.citizen_reason = assignment.clarification, assignment.citizen_reason
    row.rating = assignment.rating
    row.updated_at = step.at
    session.add(row)
    add_step(session, row.appeal_id, row.executor_id, step)


def add_step(session: AsyncSession, appeal_id: UUID, executor_id: str, step: Step) -> None:
    session.add(
        HistoryRow(
            appeal_id=appeal_id,
            executor_id=executor_id,
            step=step.step,
            status=step.status.value,
            by=step.by,
            at=step.at,
            text=step.text,
            planned_date=step.planned_date,
            reason_code=step.reason_code,
            rating=step.rating,
        )
    )


async def history(session: AsyncSession, appeal_id: UUID, executor_id: str) -> list[HistoryRow]:
    """An assignment's steps, oldest first."""
    statement = (
        select(HistoryRow)
        .where(HistoryRow.appeal_id == appeal_id, HistoryRow.executor_id == executor_id)
        .order_by(col(HistoryRow.id))
    )
    return list((await session.exec(statement)).all())


async def replace_rejection_reasons(
    session: AsyncSession, reasons: list[RejectionReasonRow]
) -> None:
    await session.exec(delete(RejectionReasonRow))
    session.add_all(reasons)


async def rejection_reasons(session: AsyncSession) -> list[RejectionReasonRow]:
    statement = select(RejectionReasonRow).order_by(col(RejectionReasonRow.position))
    return list((await session.exec(statement)).all())
