"""The appeal status machine: one pure function every read model uses.

An appeal is born `new` (AppealSubmitted), is routed to an executor (or waits for an
operator), and the executor answers in one of three ways: `resolved` (fixed), `clarified`
(explained instead: "repairs are planned for May") or `rejected` (with a reason from the
city's list). The citizen then confirms (`closed`) or reopens (back to the same executor);
an operator may reject an answer as a non-answer (`reopened` too); an answer nobody
confirms closes after the configured days. Asking the citizen for details pauses the
appeal in `needs_clarification`; their answer resumes it where it was (`Lifecycle`).
"""

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
    CLOSED = "closed"


S = AppealStatus

ANSWERED = frozenset({S.RESOLVED, S.CLARIFIED, S.REJECTED})
"""The executor has answered: the citizen's verdict is awaited."""

IN_WORK = frozenset({S.ROUTED, S.ACCEPTED, S.REOPENED})
"""With an executor, who may answer, ask, or redirect."""

ALLOWED: dict[AppealStatus, frozenset[AppealStatus]] = {
    S.NEW: frozenset({S.MODERATION, S.ROUTED, S.MANUAL_ROUTING, S.DUPLICATE, S.REJECTED}),
    S.MODERATION: frozenset({S.NEW, S.REJECTED}),
    S.MANUAL_ROUTING: frozenset({S.ROUTED, S.DUPLICATE, S.REJECTED}),
    S.ROUTED: frozenset({S.ACCEPTED, S.REDIRECTED, S.NEEDS_CLARIFICATION} | ANSWERED),
    S.ACCEPTED: frozenset({S.REDIRECTED, S.NEEDS_CLARIFICATION} | ANSWERED),
    S.REOPENED: frozenset({S.ACCEPTED, S.ROUTED, S.REDIRECTED, S.NEEDS_CLARIFICATION} | ANSWERED),
    S.NEEDS_CLARIFICATION: frozenset({S.CLOSED}),  # or resumed (`Lifecycle`), nothing else
    S.REDIRECTED: frozenset({S.ROUTED, S.MANUAL_ROUTING}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLARIFIED: frozenset({S.CLOSED, S.REOPENED}),
    S.REJECTED: frozenset({S.CLOSED, S.REOPENED}),
    S.DUPLICATE: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

STATUS_AFTER_EVENT: dict[str, AppealStatus] = {
    "AppealSubmitted": S.NEW,
    "AppealRouted": S.ROUTED,
    "NeedsManualRouting": S.MANUAL_ROUTING,
    "AppealAccepted": S.ACCEPTED,
    "AppealResolved": S.RESOLVED,
    "AppealClarified": S.CLARIFIED,
    "AppealRejected": S.REJECTED,
    "AppealRedirected": S.REDIRECTED,
    "AppealDuplicate": S.DUPLICATE,
    "ClarificationRequested": S.NEEDS_CLARIFICATION,
    "AppealReopened": S.REOPENED,
    "AnswerRejected": S.REOPENED,
    "AppealConfirmed": S.CLOSED,
    "AppealClosed": S.CLOSED,
}
"""The status an event moves an appeal to; events not listed leave it unchanged (but see
`RESUMING`)."""

RESUMING = "ClarificationProvided"
"""The event that returns a paused appeal to the status it had before the question."""


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
    if event_type == RESUMING:
        raise IllegalTransition(current, event_type)
    target = STATUS_AFTER_EVENT.get(event_type)
    if current is None:
        if target is S.NEW:
            return target
        raise IllegalTransition(current, event_type)
    if target is None:
        return current
    if target not in ALLOWED[current]:
        raise IllegalTransition(current, event_type)
    return target


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
    return status not in ANSWERED | {S.DUPLICATE, S.CLOSED}
