"""Executor-gateway's subscribers: assignments land in the executor's inbox, and the
citizen's steps (and the platform's) on `appeal.events` move them on."""

from typing import Any

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import Event
from contracts.events import (
    AppealClosed,
    AppealConfirmed,
    AppealReopened,
    AssignmentIssued,
    ClarificationProvided,
    ClarificationRequested,
    DeadlineSet,
)
from executor_gateway.domain.assignment import FollowedEvent
from executor_gateway.store import repository

log = structlog.get_logger(__name__)


async def receive_assignment(event: AssignmentIssued, session: AsyncSession) -> None:
    await repository.add_assignment(session, event)


async def follow_appeal(event: FollowedEvent, session: AsyncSession) -> None:
    """Apply the step to the appeal's assignment; a refusal of the status machine
    dead-letters the event (the consumer's rule for what can never be applied)."""
    assert event.appeal_id is not None
    executor_id = getattr(event.payload, "executor_id", None)
    row = await repository.current_assignment(session, event.appeal_id, executor_id)
    if row is None:
        log.debug("no assignment for the appeal; ignored", event_type=event.type)
        return
    assignment = repository.domain_of(row)
    step = assignment.follow(event)
    if step is None:
        log.debug("already applied; nothing to do", event_type=event.type)
        return
    repository.store_step(session, row, assignment, step)


async def deadline_set(event: DeadlineSet, session: AsyncSession) -> None:
    """The sla-tracker set or moved the answer deadline of the executor's assignment."""
    assert event.appeal_id is not None
    executor_id = event.payload.executor_id
    row = await repository.current_assignment(session, event.appeal_id, executor_id)
    if row is None or row.executor_id != executor_id:
        log.debug("no assignment of that executor; ignored", event_type=event.type)
        return
    row.due_at = event.payload.due_at
    session.add(row)


ASSIGNMENT_HANDLERS = {AssignmentIssued: receive_assignment}
APPEAL_HANDLERS: dict[type[Event], Any] = {
    **dict.fromkeys(
        (
            ClarificationRequested,
            ClarificationProvided,
            AppealConfirmed,
            AppealReopened,
            AppealClosed,
        ),
        follow_appeal,
    ),
    DeadlineSet: deadline_set,
}
