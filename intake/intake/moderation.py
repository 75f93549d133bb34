"""The moderators' work: the queue of held appeals, approving (with the public text edited
or not), rejecting with a reason from the city's list, editing the public text later, and
asking the citizen a question about an appeal in work.

Each step is checked by the domain and the status machine, applied to the view and staged
as an event in one transaction (see `own_events`); `by` is the moderator's label.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from contracts.events import (
    AppealApproved,
    AppealApprovedPayload,
    AppealRejected,
    AppealRejectedPayload,
    ClarificationRequested,
    ClarificationRequestedPayload,
    PublicTextEdited,
    PublicTextEditedPayload,
)
from intake.domain.errors import IntakeError
from intake.domain.lifecycle import CitizenView
from intake.domain.moderation import ModerationRules
from intake.own_events import PRODUCER, take_step
from intake.store import repository
from intake.store.tables import AppealRow
from services.clock import Clock
from services.db import Database

ModerationStep = AppealApproved | AppealRejected | PublicTextEdited | ClarificationRequested


class UnknownRejectReason(IntakeError):
    field = "reason_code"
    code = "unknown_reason_code"

    def __init__(self, code: str, rules: ModerationRules) -> None:
        known = ", ".join(r.code for r in rules.reject_reasons)
        super().__init__(f"unknown reason code {code!r}; the city's codes: {known}")


@dataclass(frozen=True)
class HeldAppeal:
    """An appeal in the queue: everything a moderator needs to decide."""

    row: AppealRow
    reasons: list[str]


class Moderation:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        rules: Callable[[], ModerationRules],
        *,
        clarification_wait: timedelta = timedelta(days=10),
    ) -> None:
        self.db = db
        self._clock = clock
        self._rules = rules
        self._clarification_wait = clarification_wait

    @property
    def rules(self) -> ModerationRules:
        return self._rules()

    async def queue(self, limit: int) -> list[HeldAppeal]:
        """Held appeals, oldest first."""
        async with self.db.session() as session:
            rows = await repository.held(session, limit)
        return [HeldAppeal(r, json.loads(r.moderation_reasons or "[]")) for r in rows]

    async def approve(self, appeal_id: UUID, by: str, public_text: str | None) -> None:
        """Let a held appeal through (the router then routes it), with the public text
        replaced when one is given."""

        def approved(view: CitizenView, row: AppealRow) -> AppealApproved:
            if public_text is not None:
                row.public_text = public_text
            payload = AppealApprovedPayload(public_text_edited=public_text is not None, by=by)
            return AppealApproved(**self._envelope(appeal_id), payload=payload)

        await self._take(appeal_id, approved)

    async def reject(self, appeal_id: UUID, by: str, reason_code: str, reason: str) -> None:
        """Refuse a held appeal for a reason from the city's list: it is never routed."""
        if self.rules.reason(reason_code) is None:
            raise UnknownRejectReason(reason_code, self.rules)

        def rejected(view: CitizenView, row: AppealRow) -> AppealRejected:
            view.check_held()
            payload = AppealRejectedPayload(reason_code=reason_code, reason=reason, by=by)
            return AppealRejected(**self._envelope(appeal_id), payload=payload)

        await self._take(appeal_id, rejected)

    async def edit_public_text(self, appeal_id: UUID, by: str, public_text: str) -> None:
        """Replace what the public reads of an appeal out of moderation (the executor's
        copy stays as the citizen wrote it)."""

        def edited(view: CitizenView, row: AppealRow) -> PublicTextEdited:
            view.check_public_text_editable()
            row.public_text = public_text
            payload = PublicTextEditedPayload(by=by)
            return PublicTextEdited(**self._envelope(appeal_id), payload=payload)

        await self._take(appeal_id, edited)

    async def ask(self, appeal_id: UUID, by: str, question: str) -> None:
        """Ask the citizen for details on the city's behalf: the appeal pauses (the
        executor's deadlines too) until the answer, or the question's deadline."""

        def asked(view: CitizenView, row: AppealRow) -> ClarificationRequested:
            payload = ClarificationRequestedPayload(
                question=question, by=by, answer_by=self._clock.now() + self._clarification_wait
            )
            return ClarificationRequested(**self._envelope(appeal_id), payload=payload)

        await self._take(appeal_id, asked)

    def _envelope(self, appeal_id: UUID) -> dict[str, UUID | str | datetime]:
        return {
            "appeal_id": appeal_id,
            "producer": PRODUCER,
            "correlation_id": appeal_id,
            "occurred_at": self._clock.now(),
        }

    async def _take(
        self, appeal_id: UUID, step_of: Callable[[CitizenView, AppealRow], ModerationStep]
    ) -> None:
        """Build the step from the locked appeal and take it; raises AppealNotFound,
        StepRefused or IllegalTransition (nothing is written then)."""
        async with self.db.transaction() as session:
            row = await repository.get(session, appeal_id, for_update=True)
            await take_step(session, row, step_of(repository.view_of(row), row))
