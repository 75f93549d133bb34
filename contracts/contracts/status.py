"""The appeal status machine: one pure function every read model uses.

An appeal is born `new` (AppealSubmitted), is routed to an executor (or waits for an
operator), and the executor answers in one of three ways: `resolved` (fixed), `clarified`
(explained instead: "repairs are planned for May") or `rejected` (with a reason from the
city's list). The citizen then confirms (`closed`) or reopens (back to the same executor);
an operator may reject an answer as a non-answer (`reopened` too); an answer nobody
confirms closes after the configured days. Asking the citizen for details pauses the
appeal in `needs_clarification`; their answer resumes it where it was (`Lifecycle`).

Intake's checks may hold a new appeal for a moderator (`moderation`), who approves it
(back to `new`, then routed) or rejects it. Suggestions and thanks have a short life of
their own: `forwarded` to the organisation they concern, `closed` once it acknowledges.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class AppealStatus(StrEnum):
    NEW = "new"
    MODERATION = "moderation"
    MANUAL_ROUTING = "manual_routing"
    ROUTED = "routed"
    ACCEPTED = "accepted"
    NEEDS_CLARIFICATION = "needs_clarification"
    REDIRECTED = "redirected"
    RESOLVED = "resolved"
    CLARIFIED = "clarified"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    REOPENED = "reopened"
    FORWARDED = "forwarded"
    """A suggestion or thanks passed to its organisation, for information."""
    CLOSED = "closed"


S = AppealStatus

ANSWERED = frozenset({S.RESOLVED, S.CLARIFIED, S.REJECTED})
"""The executor has answered: the citizen's verdict is awaited."""

IN_WORK = frozenset({S.ROUTED, S.ACCEPTED, S.REOPENED})
"""With an executor, who may answer, ask, or redirect."""


def _all(
    statuses: Iterable[AppealStatus], target: AppealStatus
) -> dict[AppealStatus, AppealStatus]:
    return dict.fromkeys(statuses, target)


TRANSITIONS: dict[str, dict[AppealStatus, AppealStatus]] = {
    "AppealHeld": {S.NEW: S.MODERATION},
    "AppealApproved": {S.MODERATION: S.NEW},
    "AppealRouted": _all({S.NEW, S.MANUAL_ROUTING, S.REDIRECTED, S.REOPENED}, S.ROUTED),
    "AppealForwarded": _all({S.NEW, S.MANUAL_ROUTING}, S.FORWARDED),
    "NeedsManualRouting": _all({S.NEW, S.REDIRECTED}, S.MANUAL_ROUTING),
    "AppealDuplicate": _all({S.NEW, S.MANUAL_ROUTING}, S.DUPLICATE),
    "AppealAccepted": _all({S.ROUTED, S.REOPENED}, S.ACCEPTED),
    "AppealResolved": _all(IN_WORK, S.RESOLVED),
    "AppealClarified": _all(IN_WORK, S.CLARIFIED),
    "AppealRejected": _all(IN_WORK | {S.NEW, S.MODERATION, S.MANUAL_ROUTING}, S.REJECTED),
    "AppealRedirected": _all(IN_WORK, S.REDIRECTED),
    "ClarificationRequested": _all(IN_WORK, S.NEEDS_CLARIFICATION),
    "AppealReopened": _all(ANSWERED, S.REOPENED),
    "AnswerRejected": _all(ANSWERED, S.REOPENED),
    "AppealConfirmed": _all(ANSWERED, S.CLOSED),
    "AppealClosed": _all(ANSWERED | {S.NEEDS_CLARIFICATION, S.DUPLICATE}, S.CLOSED),
    "AppealAcknowledged": {S.FORWARDED: S.CLOSED},
}
"""Event type → {status it may happen in: status it leads to}. `AppealSubmitted` gives
birth (`new`); `ClarificationProvided` resumes a paused appeal (`Lifecycle`); other
events (an assignment issued, a comment, an edited public text) leave the status alone."""

BIRTH = "AppealSubmitted"
RESUMING = "ClarificationProvided"
"""The event that returns a paused appeal to the status it had before the question."""

ALLOWED: dict[AppealStatus, frozenset[AppealStatus]] = {
    status: frozenset(moves[status] for moves in TRANSITIONS.values() if status in moves)
    for status in AppealStatus
}
"""Where each status can lead (by some event), for people and diagrams."""


class IllegalTransition(ValueError):
    def __init__(self, current: AppealStatus | None, event_type: str) -> None:
        super().__init__(f"{event_type} is not allowed when the appeal is {current or 'absent'}")
        self.current = current
        self.event_type = event_type


def status_after(current: AppealStatus | None, event_type: str) -> AppealStatus:
    """The status after `event_type` happens to an appeal in `current` (None: not yet known).

    Raises IllegalTransition when the event cannot happen in that status. The resuming
    event needs to know where the appeal was paused: use `Lifecycle`.
    """
    if current is None or event_type == BIRTH:
        if current is None and event_type == BIRTH:
            return S.NEW
        raise IllegalTransition(current, event_type)
    if event_type == RESUMING:
        raise IllegalTransition(current, event_type)
    moves = TRANSITIONS.get(event_type)
    if moves is None:
        return current
    if current not in moves:
        raise IllegalTransition(current, event_type)
    return moves[current]


@dataclass(frozen=True)
class Lifecycle:
    """An appeal's status, and while it waits for the citizen's details, the status it
    was paused in (what read models store to follow the machine)."""

    status: AppealStatus
    paused_from: AppealStatus | None = None

    def after(self, event_type: str) -> "Lifecycle":
        """The lifecycle after `event_type`; raises IllegalTransition if it cannot happen."""
        if event_type == RESUMING:
            if self.status is not S.NEEDS_CLARIFICATION or self.paused_from not in IN_WORK:
                raise IllegalTransition(self.status, event_type)
            return Lifecycle(self.paused_from)
        target = status_after(self.status, event_type)
        if target is S.NEEDS_CLARIFICATION:
            return Lifecycle(target, self.paused_from or self.status)
        return Lifecycle(target)


def is_open(status: AppealStatus) -> bool:
    """Whether work on the appeal is still expected."""
    return status not in ANSWERED | {S.DUPLICATE, S.FORWARDED, S.CLOSED}
