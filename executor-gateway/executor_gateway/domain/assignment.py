"""An assignment as its executor sees it, and every step of its life (pure).

The executor accepts (with a planned date), answers in one of three ways (resolved,
clarified, rejected with a reason from the city's list), redirects, or asks the citizen a
question, which pauses the assignment until the citizen's answer resumes it where it was
(`contracts.status.Lifecycle`). A question unanswered for long enough lets the executor
close the appeal. An operator may reject an answer as a non-answer (back to the
executor). The citizen's verdict — confirmed, reopened, or closed for want of one — is
followed from `appeal.events`. Each step returns the `Step` the history keeps.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from contracts.events import (
    AppealClosed,
    AppealConfirmed,
    AppealReopened,
    ClarificationProvided,
    ClarificationRequested,
)
from contracts.status import ANSWERED, IN_WORK, AppealStatus, IllegalTransition, Lifecycle

S = AppealStatus


class AssignmentError(ValueError):
    """A request the assignment's state or the request's own values do not allow."""


class NotAllowed(AssignmentError):
    """Not in the assignment's current state (HTTP 409)."""


class TooEarly(NotAllowed):
    """Allowed, but not yet: possible from `possible_at`."""

    def __init__(self, message: str, possible_at: datetime) -> None:
        super().__init__(message)
        self.possible_at = possible_at


class InvalidInput(AssignmentError):
    """A value the domain refuses whatever the state (HTTP 422), naming the field."""

    def __init__(self, field: str, message: str, kind: str) -> None:
        super().__init__(message)
        self.field = field
        self.kind = kind


@dataclass(frozen=True)
class Step:
    """One step in an assignment's history: what happened, the status after, who, when."""

    step: str
    status: AppealStatus
    by: str | None
    at: datetime
    text: str | None = None
    planned_date: date | None = None
    reason_code: str | None = None
    rating: int | None = None


CITIZEN = "citizen"
"""`by` of the citizen's steps: the history never names the citizen."""

FollowedEvent = (
    ClarificationRequested | ClarificationProvided | AppealConfirmed | AppealReopened | AppealClosed
)
"""What the assignment follows from `appeal.events` (the citizen's and the platform's steps)."""


@dataclass
class Assignment:
    executor_id: str
    status: AppealStatus
    answer: str | None = None
    planned_date: date | None = None
    reason_code: str | None = None
    paused_from: AppealStatus | None = None
    question: str | None = None
    asked_at: datetime | None = None
    clarification: str | None = None
    """The citizen's answer to the question."""
    citizen_reason: str | None = None
    """Why the citizen reopened the appeal."""
    rating: int | None = None
    """The citizen's mark of the answer (1-5)."""

    def check_acting_executor(self, executor_id: str) -> None:
        if executor_id != self.executor_id:
            raise NotAllowed(f"the appeal is assigned to {self.executor_id!r}, not {executor_id!r}")

    # The executor's steps.

    def accept(
        self, by: str, at: datetime, *, today: date, planned_date: date | None, comment: str | None
    ) -> Step:
        _check_not_past(planned_date, today)
        if self.status is S.NEEDS_CLARIFICATION:  # the machine allows it: it is where
            # the citizen's answer may return the appeal, not a step to take meanwhile
            raise NotAllowed("the appeal waits for the citizen's answer to the question")
        self._move("AppealAccepted")
        if planned_date is not None:
            self.planned_date = planned_date
        return self._step("accepted", by, at, comment, planned_date=planned_date)

    def resolve(self, by: str, at: datetime, answer: str) -> Step:
        self._move("AppealResolved")
        self.answer, self.reason_code = answer, None
        return self._step("resolved", by, at, answer)

    def clarify(
        self, by: str, at: datetime, answer: str, *, today: date, planned_date: date | None
    ) -> Step:
        """Explain instead of fixing ("repairs are planned for May")."""
        _check_not_past(planned_date, today)
        self._move("AppealClarified")
        self.answer, self.reason_code = answer, None
        if planned_date is not None:
            self.planned_date = planned_date
        return self._step("clarified", by, at, answer, planned_date=planned_date)

    def reject(
        self, by: str, at: datetime, *, reason_code: str, reason: str, known: Collection[str]
    ) -> Step:
        """Refuse, with a reason from the city's list (`known` codes)."""
        if reason_code not in known:
            raise InvalidInput(
                "reason_code",
                f"unknown reason code {reason_code!r}; known: {', '.join(sorted(known))}",
                "unknown_reason_code",
            )
        if self.status not in IN_WORK:  # the machine lets a moderator reject a new appeal
            raise NotAllowed(f"only an appeal in work can be rejected; it is {self.status}")
        self._move("AppealRejected")
        self.answer, self.reason_code = reason, reason_code
        return self._step("rejected", by, at, reason, reason_code=reason_code)

    def acknowledge(self, by: str, at: datetime, comment: str | None) -> Step:
        """Read a suggestion or thanks forwarded for information: its short life ends."""
        self._move("AppealAcknowledged")
        return self._step("acknowledged", by, at, comment)

    def redirect(self, by: str, at: datetime, reason: str) -> Step:
        """ "Not ours": the router will look for another executor."""
        self._move("AppealRedirected")
        return self._step("redirected", by, at, reason)

    def ask(self, by: str, at: datetime, question: str) -> Step:
        """Ask the citizen for details: paused until the answer comes."""
        self._move("ClarificationRequested")
        self.question, self.asked_at, self.clarification = question, at, None
        return self._step("clarification_requested", by, at, question)

    def closable_at(self, wait: timedelta) -> datetime | None:
        """When an unanswered question lets the executor close the appeal (None: no
        question is waiting)."""
        if self.status is not S.NEEDS_CLARIFICATION or self.asked_at is None:
            return None
        return self.asked_at + wait

    def close_unanswered(self, by: str, at: datetime, wait: timedelta) -> Step:
        """Close the appeal: the citizen did not answer the question within `wait`."""
        possible_at = self.closable_at(wait)
        if possible_at is None:
            raise NotAllowed(
                f"only an appeal waiting for the citizen's answer can be closed for want of"
                f" one; it is {self.status}"
            )
        if at < possible_at:
            raise TooEarly(
                f"the citizen may answer until {possible_at.isoformat()}; the appeal can be"
                f" closed from then",
                possible_at,
            )
        self._move("AppealClosed")
        return self._step("closed", by, at, "no_clarification")

    # The operator's step.

    def reject_answer(self, by: str, at: datetime, reason: str) -> Step:
        """An operator finds the answer a non-answer: back to the executor."""
        if self.status not in ANSWERED:
            raise NotAllowed(f"only an answer can be rejected; the appeal is {self.status}")
        self._move("AnswerRejected")
        return self._step("answer_rejected", by, at, reason)

    # Followed from appeal.events.

    def follow(self, event: FollowedEvent) -> Step | None:
        """Apply a step taken elsewhere; None when it changes nothing (seen already: the
        gateway's own AppealClosed comes back to it)."""
        at = event.occurred_at
        match event:
            case ClarificationRequested(payload=p):
                if p.executor_id is not None:  # the executor's own question, asked here
                    return None
                self._move(event.type)  # a moderator's question pauses the work too
                self.question, self.asked_at, self.clarification = p.question, at, None
                return self._step("clarification_requested", p.by or "a moderator", at, p.question)
            case ClarificationProvided():
                return self._clarification_provided(event.payload.answer, at)
            case AppealReopened():
                return self._reopened(event.payload.reason, event.payload.rating, at)
            case AppealConfirmed():
                if self.status is S.CLOSED:
                    return None
                self._move(event.type)
                self.rating = event.payload.rating
                return self._step(
                    "confirmed", CITIZEN, at, event.payload.comment, rating=event.payload.rating
                )
            case AppealClosed():
                if self.status is S.CLOSED:
                    return None
                self._move(event.type)
                return self._step(
                    "closed", event.payload.by or event.producer, at, event.payload.reason
                )

    def _clarification_provided(self, answer: str, at: datetime) -> Step:
        """The citizen's answer resumes a paused assignment; one to a question the executor
        did not ask (a moderator's) is kept for the executor to read all the same."""
        if self.status is S.NEEDS_CLARIFICATION:
            self._move("ClarificationProvided")
        self.clarification = answer
        return self._step("clarification_provided", CITIZEN, at, answer)

    def _reopened(self, reason: str, rating: int | None, at: datetime) -> Step:
        if self.status is not S.REOPENED:  # an operator may have reopened it already
            self._move("AppealReopened")
        self.citizen_reason, self.rating = reason, rating
        return self._step("reopened", CITIZEN, at, reason, rating=rating)

    def _move(self, event_type: str) -> None:
        try:
            after = Lifecycle(self.status, self.paused_from).after(event_type)
        except IllegalTransition as error:
            raise NotAllowed(str(error)) from error
        self.status, self.paused_from = after.status, after.paused_from

    def _step(
        self,
        step: str,
        by: str | None,
        at: datetime,
        text: str | None,
        *,
        planned_date: date | None = None,
        reason_code: str | None = None,
        rating: int | None = None,
    ) -> Step:
        return Step(step, self.status, by, at, text, planned_date, reason_code, rating)


def _check_not_past(planned_date: date | None, today: date) -> None:
    if planned_date is not None and planned_date < today:
        raise InvalidInput(
            "planned_date",
            f"the planned date {planned_date.isoformat()} is in the past (today is"
            f" {today.isoformat()})",
            "date_in_past",
        )
