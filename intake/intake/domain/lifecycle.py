"""How lifecycle events change what the citizen sees, and when the citizen may act (pure).

Every event moves the appeal through the one status machine (`contracts.status.Lifecycle`,
which also remembers where a question paused it) and is recorded as a `Step`: who took it
and a note (the question, the answer, the reason) for the history the citizen reads.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from contracts.events import (
    AnswerRejected,
    AppealAccepted,
    AppealAcknowledged,
    AppealApproved,
    AppealClarified,
    AppealClosed,
    AppealConfirmed,
    AppealDuplicate,
    AppealForwarded,
    AppealHeld,
    AppealRedirected,
    AppealRejected,
    AppealReopened,
    AppealResolved,
    AppealRouted,
    ClarificationProvided,
    ClarificationRequested,
    CloseReason,
    NeedsManualRouting,
    PublicTextEdited,
)
from contracts.status import ANSWERED, AppealStatus, IllegalTransition, Lifecycle
from intake.domain.errors import StepRefused

LifecycleEvent = (
    AppealRouted
    | NeedsManualRouting
    | AppealDuplicate
    | AppealAccepted
    | AppealResolved
    | AppealClarified
    | AppealRejected
    | AppealRedirected
    | ClarificationRequested
    | ClarificationProvided
    | AppealConfirmed
    | AppealReopened
    | AnswerRejected
    | AppealClosed
    | AppealForwarded
    | AppealAcknowledged
)

ModerationEvent = AppealHeld | AppealApproved | PublicTextEdited
"""Intake's moderation steps: applied by intake itself when it takes them (its consumer
does not follow them back from `appeal.events`)."""

JUDGING_AN_ANSWER = frozenset({"AppealConfirmed", "AppealReopened", "AnswerRejected"})
"""The citizen's verdicts and an operator's rejection of an answer: only an answered
appeal has one to judge (the status machine alone would let them end a question too)."""


class AnswerKind(StrEnum):
    """How the executor answered."""

    RESOLVED = "resolved"
    """Fixed."""
    CLARIFIED = "clarified"
    """Explained instead of fixed."""
    REJECTED = "rejected"
    """Refused with a reason from the city's list."""


class Actor(StrEnum):
    """Who took a step, as anyone may know it (names only in the private view)."""

    CITIZEN = "citizen"
    EXECUTOR = "executor"
    STAFF = "staff"
    """The city's operators and moderators."""
    PLATFORM = "platform"
    """The routing rules, or intake closing an answer nobody confirmed."""


class ModerationState(StrEnum):
    """Where moderation left an appeal (None: the checks let it through)."""

    HELD = "held"
    """Waits for a moderator: the public reads nothing of it."""
    APPROVED = "approved"
    REJECTED = "rejected"
    """A moderator refused it: the public never reads its text."""


@dataclass(frozen=True)
class Step:
    """One step of the history: who took it (`by`: the staff member or organisation; None
    for the citizen) and what they said."""

    actor: Actor
    by: str | None = None
    note: str | None = None


CLOSE_NOTES = {
    CloseReason.NO_VERDICT: "Closed: the answer was neither confirmed nor disputed in time.",
    CloseReason.NO_CLARIFICATION: "Closed: the question was not answered in time.",
}


@dataclass
class CitizenView:
    """The part of an appeal the citizen follows."""

    lifecycle: Lifecycle
    executor_id: str | None = None
    executor_name: str | None = None
    answer: str | None = None
    answer_kind: AnswerKind | None = None
    rejection_code: str | None = None
    answered_at: datetime | None = None
    """When the executor answered: the verdict window starts here."""
    planned_date: date | None = None
    question: str | None = None
    """The question awaiting the citizen's answer."""
    answer_by: datetime | None = None
    """Until when the citizen may answer it (after that the asker may close the appeal)."""
    rating: int | None = None
    status_note: str | None = None
    duplicate_of: UUID | None = None
    moderation: ModerationState | None = None

    @property
    def status(self) -> AppealStatus:
        return self.lifecycle.status

    @property
    def public_text_shown(self) -> bool:
        """Whether the public may read the appeal's public text."""
        return self.moderation not in (ModerationState.HELD, ModerationState.REJECTED)

    def check_public_text_editable(self) -> None:
        """A moderator edits the public text of an appeal that is out of moderation (a
        held one gets it with the approval)."""
        if self.moderation is ModerationState.HELD:
            raise StepRefused(
                "the appeal is held for moderation: approve it with the public text instead"
            )
        if self.moderation is ModerationState.REJECTED:
            raise StepRefused("a moderator rejected this appeal: the public never reads it")

    def check_held(self) -> None:
        """A moderator rejects only an appeal the checks held (others are the executor's
        to answer)."""
        if (
            self.moderation is not ModerationState.HELD
            or self.status is not AppealStatus.MODERATION
        ):
            raise StepRefused(
                f"the appeal is {self.status}, not held for moderation: a moderator rejects"
                " only held appeals"
            )

    def verdict_ends(self, window: timedelta) -> datetime | None:
        """Until when the citizen may confirm or dispute the answer (None: no answer)."""
        if self.status not in ANSWERED or self.answered_at is None:
            return None
        return self.answered_at + window

    def check_verdict(self, now: datetime, window: timedelta) -> None:
        """The citizen may confirm or dispute only an answer, within `window` of it."""
        ends = self.verdict_ends(window)
        if self.moderation is ModerationState.REJECTED:
            raise StepRefused("a moderator rejected this appeal: there is no answer to judge")
        if ends is None:
            raise StepRefused(f"the appeal is {self.status}: there is no answer to judge yet")
        if now > ends:
            raise StepRefused(f"the time to judge the answer ended at {ends.isoformat()}")

    def check_answer_in_time(self, now: datetime) -> None:
        """The citizen answers a question only until its deadline: after it the executor
        may already have closed the appeal."""
        if self.answer_by is not None and now > self.answer_by:
            raise StepRefused(
                f"the time to answer the question ended at {self.answer_by.isoformat()}"
            )

    def check_reopenable(self) -> str:
        """The executor a reopened appeal goes back to."""
        if self.executor_id is None:
            raise StepRefused("no executor answered this appeal: there is no one to reopen it to")
        return self.executor_id

    def apply(self, event: LifecycleEvent | ModerationEvent) -> Step:
        """Move to where `event` leads and say who took the step; raises IllegalTransition
        if it cannot happen now."""
        if event.type in JUDGING_AN_ANSWER and self.status not in ANSWERED:
            raise IllegalTransition(self.status, event.type)
        self.lifecycle = self.lifecycle.after(event.type)
        return self._record(event)

    def _executor(self, executor_id: str | None, by: str | None) -> str:
        return by or f"executor {self.executor_name or executor_id}"

    def _answered(self, event: AppealResolved | AppealClarified | AppealRejected) -> None:
        self.answer_kind = AnswerKind(self.status.value)
        self.answered_at = event.occurred_at
        self.question = self.answer_by = None
        self.status_note = None

    def _record(self, event: LifecycleEvent | ModerationEvent) -> Step:
        match event:
            case AppealRouted(payload=p):
                self.executor_id, self.executor_name = p.executor_id, p.executor_name
                self.status_note = None
                if p.decided_by:
                    return Step(Actor.STAFF, p.decided_by, f"to {p.executor_name}")
                return Step(Actor.PLATFORM, "routing rules", f"to {p.executor_name}")
            case AppealForwarded(payload=p):
                self.executor_id, self.executor_name = p.executor_id, p.executor_name
                self.status_note = f"Passed to {p.executor_name} for information."
                by = p.decided_by
                return Step(Actor.STAFF if by else Actor.PLATFORM, by or "routing rules", None)
            case AppealAcknowledged(payload=p):
                self.status_note = p.comment
                return Step(Actor.EXECUTOR, self._executor(p.executor_id, p.by), p.comment)
            case NeedsManualRouting(payload=p):
                self.executor_id = self.executor_name = None
                self.status_note = "An operator will choose the organisation responsible."
                return Step(Actor.PLATFORM, "routing rules", p.reason)
            case AppealDuplicate(payload=p):
                self.duplicate_of = p.original_appeal_id
                self.status_note = (
                    "The same problem was already reported nearby; follow that appeal —"
                    " its progress is shown here too."
                )
                return Step(Actor.PLATFORM, "duplicate check", p.explanation)
            case AppealAccepted(payload=p):
                self.status_note = p.comment
                self.planned_date = p.planned_date or self.planned_date
                return Step(Actor.EXECUTOR, self._executor(p.executor_id, p.by), p.comment)
            case AppealResolved(payload=p):
                self.answer, self.rejection_code = p.answer, None
                self._answered(event)
                return Step(Actor.EXECUTOR, self._executor(p.executor_id, p.by), p.answer)
            case AppealClarified(payload=p):
                self.answer, self.rejection_code = p.answer, None
                self.planned_date = p.planned_date or self.planned_date
                self._answered(event)
                return Step(Actor.EXECUTOR, self._executor(p.executor_id, p.by), p.answer)
            case AppealRejected(payload=p):
                self.answer, self.rejection_code = p.reason, p.reason_code
                self._answered(event)
                if p.executor_id is None:
                    self.moderation = ModerationState.REJECTED
                    self.answered_at = None  # final: no verdict to wait for, nothing to close
                    return Step(Actor.STAFF, p.by or "a moderator", p.reason)
                return Step(Actor.EXECUTOR, self._executor(p.executor_id, p.by), p.reason)
            case AppealRedirected(payload=p):
                self.status_note = (
                    f"{self.executor_name or p.executor_id} says this is not theirs ({p.reason});"
                    " the appeal is being passed to the right organisation."
                )
                step = Step(Actor.EXECUTOR, self._executor(p.executor_id, p.by), p.reason)
                self.executor_id = self.executor_name = None
                self.planned_date = None
                return step
            case ClarificationRequested(payload=p):
                self.question, self.answer_by = p.question, p.answer_by
                if p.executor_id is None:
                    return Step(Actor.STAFF, p.by or "a moderator", p.question)
                return Step(Actor.EXECUTOR, self._executor(p.executor_id, p.by), p.question)
            case ClarificationProvided(payload=p):
                self.question = self.answer_by = None
                return Step(Actor.CITIZEN, None, p.answer)
            case AppealConfirmed(payload=p):
                self.rating = p.rating
                self.status_note = None
                return Step(Actor.CITIZEN, None, p.comment)
            case AppealReopened(payload=p):
                self.rating = p.rating if p.rating is not None else self.rating
                self._unanswered(None)
                return Step(Actor.CITIZEN, None, p.reason)
            case AnswerRejected(payload=p):
                self._unanswered(f"An operator returned the answer to the executor: {p.reason}")
                return Step(Actor.STAFF, p.by or "an operator", p.reason)
            case AppealHeld(payload=p):
                self.moderation = ModerationState.HELD
                self.status_note = "A moderator will read the appeal before it goes on."
                return Step(Actor.PLATFORM, "automatic checks", "; ".join(p.reasons))
            case AppealApproved(payload=p):
                self.moderation = ModerationState.APPROVED
                self.status_note = None
                edited = " with an edited public text" if p.public_text_edited else ""
                return Step(Actor.STAFF, p.by or "a moderator", f"approved{edited}")
            case PublicTextEdited(payload=p):
                return Step(Actor.STAFF, p.by or "a moderator", "edited the public text")
            case AppealClosed(payload=p):
                self.question = self.answer_by = None
                self.status_note = CLOSE_NOTES[p.reason]
                if p.reason is CloseReason.NO_VERDICT:
                    return Step(Actor.PLATFORM, "intake", CLOSE_NOTES[p.reason])
                return Step(
                    Actor.EXECUTOR, self._executor(p.executor_id, p.by), CLOSE_NOTES[p.reason]
                )

    def _unanswered(self, note: str | None) -> None:
        """The answer no longer stands: the executor works on it again."""
        self.answer = self.answer_kind = self.rejection_code = self.answered_at = None
        self.status_note = note
