"""What a citizen does with their appeal after filing it: answer a question, confirm or
dispute the answer. Each step is checked by the domain, applied to the view and staged
as an event in one transaction (see `own_events`)."""

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

from contracts.events import (
    AppealConfirmed,
    AppealConfirmedPayload,
    AppealReopened,
    AppealReopenedPayload,
    ClarificationProvided,
    ClarificationProvidedPayload,
)
from intake.domain.errors import NotYourAppeal
from intake.domain.lifecycle import CitizenView, LifecycleEvent
from intake.own_events import PRODUCER, take_step
from intake.store import repository
from services.clock import Clock
from services.db import Database

StepOf = Callable[[CitizenView], ClarificationProvided | AppealConfirmed | AppealReopened]
"""Builds the step's event from the view (after checking it may be taken)."""


class CitizenSteps:
    def __init__(self, db: Database, clock: Clock, verdict_window: timedelta) -> None:
        self.db = db
        self._clock = clock
        self.verdict_window = verdict_window

    async def clarify(self, appeal_id: UUID, citizen_id: UUID, answer: str) -> None:
        """The citizen answers the question the appeal waits on; it resumes."""
        payload = ClarificationProvidedPayload(answer=answer)

        def answered(view: CitizenView) -> ClarificationProvided:
            view.check_answer_in_time(self._clock.now())
            return ClarificationProvided(**self._envelope(appeal_id), payload=payload)

        await self._take(appeal_id, citizen_id, answered)

    async def confirm(
        self, appeal_id: UUID, citizen_id: UUID, rating: int, comment: str | None
    ) -> None:
        """The citizen accepts the answer and rates it: the appeal closes."""
        payload = AppealConfirmedPayload(rating=rating, comment=comment)

        def confirmed(view: CitizenView) -> AppealConfirmed:
            view.check_verdict(self._clock.now(), self.verdict_window)
            return AppealConfirmed(**self._envelope(appeal_id), payload=payload)

        await self._take(appeal_id, citizen_id, confirmed)

    async def reopen(
        self, appeal_id: UUID, citizen_id: UUID, reason: str, rating: int | None
    ) -> None:
        """The citizen disputes the answer: back to the executor who gave it."""

        def reopened(view: CitizenView) -> AppealReopened:
            view.check_verdict(self._clock.now(), self.verdict_window)
            payload = AppealReopenedPayload(
                executor_id=view.check_reopenable(), reason=reason, rating=rating
            )
            return AppealReopened(**self._envelope(appeal_id), payload=payload)

        await self._take(appeal_id, citizen_id, reopened)

    def _envelope(self, appeal_id: UUID) -> dict[str, object]:
        return {
            "appeal_id": appeal_id,
            "producer": PRODUCER,
            "correlation_id": appeal_id,
            "occurred_at": self._clock.now(),
        }

    async def _take(self, appeal_id: UUID, citizen_id: UUID, step_of: StepOf) -> None:
        async with self.db.transaction() as session:
            row = await repository.get(session, appeal_id, for_update=True)
            if row.citizen_id != citizen_id:
                raise NotYourAppeal()
            event: LifecycleEvent = step_of(repository.view_of(row))
            await take_step(session, row, event)
