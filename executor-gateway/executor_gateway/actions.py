"""What executors (and operators overseeing them) do with assignments; each action changes
the assignment, adds the step to its history and stages its event in one transaction."""

from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import Event
from contracts.events import (
    AnswerRejected,
    AnswerRejectedPayload,
    AppealAccepted,
    AppealAcceptedPayload,
    AppealAcknowledged,
    AppealAcknowledgedPayload,
    AppealClarified,
    AppealClarifiedPayload,
    AppealClosed,
    AppealClosedPayload,
    AppealRedirected,
    AppealRedirectedPayload,
    AppealRejected,
    AppealRejectedPayload,
    AppealResolved,
    AppealResolvedPayload,
    ClarificationRequested,
    ClarificationRequestedPayload,
    CloseReason,
    Payload,
)
from contracts.topics import APPEAL_EVENTS
from executor_gateway.domain.assignment import Assignment, Step
from executor_gateway.store import repository
from executor_gateway.store.tables import AssignmentRow
from services.clock import Clock
from services.db import Database
from services.outbox import stage

PRODUCER = "executor-gateway"

Change = Callable[[Assignment], Step]
"""A domain step; it raises `AssignmentError` when the assignment does not allow it."""


class Actions:
    def __init__(self, db: Database, clock: Clock, clarification_wait: timedelta) -> None:
        self.db = db
        self._clock = clock
        self.clarification_wait = clarification_wait

    def today(self) -> date:
        """Today by the injected clock (UTC): planned dates may not be before it."""
        return self._clock.now().date()

    async def accept(
        self,
        executor_id: str,
        appeal_id: UUID,
        by: str,
        *,
        comment: str | None,
        planned_date: date | None,
    ) -> AssignmentRow:
        now, today = self._clock.now(), self.today()
        payload = AppealAcceptedPayload(
            executor_id=executor_id, comment=comment, planned_date=planned_date, by=by
        )
        return await self._act(
            executor_id,
            appeal_id,
            lambda a: a.accept(by, now, today=today, planned_date=planned_date, comment=comment),
            AppealAccepted,
            payload,
        )

    async def resolve(
        self, executor_id: str, appeal_id: UUID, by: str, answer: str
    ) -> AssignmentRow:
        payload = AppealResolvedPayload(executor_id=executor_id, answer=answer, by=by)
        now = self._clock.now()
        return await self._act(
            executor_id, appeal_id, lambda a: a.resolve(by, now, answer), AppealResolved, payload
        )

    async def clarify(
        self, executor_id: str, appeal_id: UUID, by: str, answer: str, planned_date: date | None
    ) -> AssignmentRow:
        now, today = self._clock.now(), self.today()
        payload = AppealClarifiedPayload(
            executor_id=executor_id, answer=answer, planned_date=planned_date, by=by
        )
        return await self._act(
            executor_id,
            appeal_id,
            lambda a: a.clarify(by, now, answer, today=today, planned_date=planned_date),
            AppealClarified,
            payload,
        )

    async def reject(
        self, executor_id: str, appeal_id: UUID, by: str, reason_code: str, reason: str
    ) -> AssignmentRow:
        now = self._clock.now()
        async with self.db.session() as session:
            known = {r.code for r in await repository.rejection_reasons(session)}
        payload = AppealRejectedPayload(
            executor_id=executor_id, reason_code=reason_code, reason=reason, by=by
        )
        return await self._act(
            executor_id,
            appeal_id,
            lambda a: a.reject(by, now, reason_code=reason_code, reason=reason, known=known),
            AppealRejected,
            payload,
        )

    async def acknowledge(
        self, executor_id: str, appeal_id: UUID, by: str, comment: str | None
    ) -> AssignmentRow:
        payload = AppealAcknowledgedPayload(executor_id=executor_id, comment=comment, by=by)
        now = self._clock.now()
        return await self._act(
            executor_id,
            appeal_id,
            lambda a: a.acknowledge(by, now, comment),
            AppealAcknowledged,
            payload,
        )

    async def redirect(
        self, executor_id: str, appeal_id: UUID, by: str, reason: str
    ) -> AssignmentRow:
        payload = AppealRedirectedPayload(executor_id=executor_id, reason=reason, by=by)
        now = self._clock.now()
        return await self._act(
            executor_id, appeal_id, lambda a: a.redirect(by, now, reason), AppealRedirected, payload
        )

    async def ask(self, executor_id: str, appeal_id: UUID, by: str, question: str) -> AssignmentRow:
        now = self._clock.now()
        payload = ClarificationRequestedPayload(
            question=question,
            executor_id=executor_id,
            by=by,
            answer_by=now + self.clarification_wait,
        )
        return await self._act(
            executor_id,
            appeal_id,
            lambda a: a.ask(by, now, question),
            ClarificationRequested,
            payload,
        )

    async def close_unanswered(self, executor_id: str, appeal_id: UUID, by: str) -> AssignmentRow:
        payload = AppealClosedPayload(
            reason=CloseReason.NO_CLARIFICATION, executor_id=executor_id, by=by
        )
        now, wait = self._clock.now(), self.clarification_wait
        return await self._act(
            executor_id,
            appeal_id,
            lambda a: a.close_unanswered(by, now, wait),
            AppealClosed,
            payload,
        )

    async def reject_answer(
        self, executor_id: str, appeal_id: UUID, by: str, reason: str
    ) -> AssignmentRow:
        """An operator's step: the executor's answer is a non-answer."""
        payload = AnswerRejectedPayload(executor_id=executor_id, reason=reason, by=by)
        now = self._clock.now()
        return await self._act(
            executor_id,
            appeal_id,
            lambda a: a.reject_answer(by, now, reason),
            AnswerRejected,
            payload,
        )

    async def _act(
        self,
        executor_id: str,
        appeal_id: UUID,
        change: Change,
        event_type: Callable[..., Event],
        payload: Payload,
    ) -> AssignmentRow:
        async with self.db.transaction() as session:
            row = await repository.assignment(session, executor_id, appeal_id, for_update=True)
            assignment = repository.domain_of(row)
            assignment.check_acting_executor(executor_id)
            step = change(assignment)
            repository.store_step(session, row, assignment, step)
            self._stage(session, row, event_type, payload, step)
        return row

    @staticmethod
    def _stage(
        session: AsyncSession,
        row: AssignmentRow,
        event_type: Callable[..., Event],
        payload: Payload,
        step: Step,
    ) -> None:
        event = event_type(
            appeal_id=row.appeal_id,
            producer=PRODUCER,
            correlation_id=row.correlation_id,
            causation_id=row.assignment_event_id,
            occurred_at=step.at,
            payload=payload,
        )
        stage(session, event, APPEAL_EVENTS)
