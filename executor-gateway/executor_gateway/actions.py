"""What executors do with assignments; each action stages its event in the same transaction."""

from collections.abc import Callable
from uuid import UUID

from contracts.events import (
    AppealAccepted,
    AppealAcceptedPayload,
    AppealRedirected,
    AppealRedirectedPayload,
    AppealResolved,
    AppealResolvedPayload,
    Payload,
)
from contracts.status import AppealStatus
from contracts.topics import APPEAL_EVENTS
from executor_gateway.domain.assignment import Assignment
from executor_gateway.store import repository
from executor_gateway.store.tables import AssignmentRow
from services.clock import Clock
from services.db import Database
from services.outbox import stage

PRODUCER = "executor-gateway"


class Actions:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self._clock = clock

    async def accept(self, executor_id: str, appeal_id: UUID, comment: str | None) -> AssignmentRow:
        payload = AppealAcceptedPayload(executor_id=executor_id, comment=comment)
        return await self._act(executor_id, appeal_id, Assignment.accept, AppealAccepted, payload)

    async def resolve(self, executor_id: str, appeal_id: UUID, answer: str) -> AssignmentRow:
        payload = AppealResolvedPayload(executor_id=executor_id, answer=answer)
        return await self._act(
            executor_id, appeal_id, lambda a: a.resolve(answer), AppealResolved, payload
        )

    async def redirect(self, executor_id: str, appeal_id: UUID, reason: str) -> AssignmentRow:
        payload = AppealRedirectedPayload(executor_id=executor_id, reason=reason)
        return await self._act(
            executor_id, appeal_id, Assignment.redirect, AppealRedirected, payload
        )

    async def _act(
        self,
        executor_id: str,
        appeal_id: UUID,
        change: Callable[[Assignment], None],
        event_type: type[AppealAccepted] | type[AppealResolved] | type[AppealRedirected],
        payload: Payload,
    ) -> AssignmentRow:
        async with self.db.transaction() as session:
            row = await repository.assignment(session, executor_id, appeal_id, for_update=True)
            assignment = Assignment(
                executor_id=row.executor_id, status=AppealStatus(row.status), answer=row.answer
            )
            assignment.check_acting_executor(executor_id)
            change(assignment)
            now = self._clock.now()
            row.status, row.answer, row.updated_at = assignment.status, assignment.answer, now
            session.add(row)
            event = event_type(
                appeal_id=appeal_id,
                producer=PRODUCER,
                correlation_id=row.correlation_id,
                causation_id=row.assignment_event_id,
                occurred_at=now,
                payload=payload,
            )
            stage(session, event, APPEAL_EVENTS)
        return row
