"""The appeal status machine: one pure function every read model uses."""

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

ALLOWED: dict[AppealStatus, frozenset[AppealStatus]] = {
    S.NEW: frozenset({S.MODERATION, S.ROUTED, S.MANUAL_ROUTING, S.DUPLICATE, S.REJECTED}),
    S.MODERATION: frozenset({S.NEW, S.REJECTED}),
    S.MANUAL_ROUTING: frozenset({S.ROUTED, S.DUPLICATE, S.REJECTED}),
    S.ROUTED: frozenset(
        {S.ACCEPTED, S.REDIRECTED, S.REJECTED, S.NEEDS_CLARIFICATION, S.RESOLVED, S.CLARIFIED}
    ),
    S.ACCEPTED: frozenset({S.RESOLVED, S.CLARIFIED, S.NEEDS_CLARIFICATION, S.REDIRECTED}),
    S.NEEDS_CLARIFICATION: frozenset({S.ACCEPTED, S.ROUTED, S.CLOSED}),
    S.REDIRECTED: frozenset({S.ROUTED, S.MANUAL_ROUTING}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLARIFIED: frozenset({S.CLOSED, S.REOPENED}),
    S.REOPENED: frozenset({S.ACCEPTED, S.ROUTED, S.REDIRECTED, S.RESOLVED, S.CLARIFIED}),
    S.REJECTED: frozenset({S.CLOSED}),
    S.DUPLICATE: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

STATUS_AFTER_EVENT: dict[str, AppealStatus] = {
    "AppealSubmitted": S.NEW,
    "AppealRouted": S.ROUTED,
    "NeedsManualRouting": S.MANUAL_ROUTING,
    "AppealAccepted": S.ACCEPTED,
    "AppealResolved": S.RESOLVED,
    "AppealRedirected": S.REDIRECTED,
    "AppealDuplicate": S.DUPLICATE,
}
"""The status an event moves an appeal to; events not listed leave it unchanged."""


class IllegalTransition(ValueError):
    def __init__(self, current: AppealStatus | None, event_type: str) -> None:
        super().__init__(f"{event_type} is not allowed when the appeal is {current or 'absent'}")
        self.current = current
        self.event_type = event_type


def status_after(current: AppealStatus | None, event_type: str) -> AppealStatus:
    """The status after `event_type` happens to an appeal in `current` (None: not yet known).

    Raises IllegalTransition when the event cannot happen in that status.
    """
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


def is_open(status: AppealStatus) -> bool:
    """Whether work on the appeal is still expected."""
    return status not in {S.RESOLVED, S.CLARIFIED, S.REJECTED, S.DUPLICATE, S.CLOSED}
