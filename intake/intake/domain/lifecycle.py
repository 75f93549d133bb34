"""How lifecycle events change what the citizen sees (pure)."""

from dataclasses import dataclass
from uuid import UUID

from contracts.events import (
    AppealAccepted,
    AppealDuplicate,
    AppealRedirected,
    AppealResolved,
    AppealRouted,
    NeedsManualRouting,
)
from contracts.status import AppealStatus, status_after

LifecycleEvent = (
    AppealRouted
    | NeedsManualRouting
    | AppealDuplicate
    | AppealAccepted
    | AppealResolved
    | AppealRedirected
)


@dataclass
class CitizenView:
    """The part of an appeal the citizen follows."""

    status: AppealStatus
    executor_id: str | None = None
    executor_name: str | None = None
    answer: str | None = None
    status_note: str | None = None
    duplicate_of: UUID | None = None

    def apply(self, event: LifecycleEvent) -> None:
        """Move to the status `event` leads to; raises IllegalTransition if it cannot happen."""
        self.status = status_after(self.status, event.type)
        match event:
            case AppealRouted(payload=p):
                self.executor_id, self.executor_name = p.executor_id, p.executor_name
                self.status_note = None
            case NeedsManualRouting(payload=p):
                self.executor_id = self.executor_name = None
                self.status_note = "An operator will choose the organisation responsible."
            case AppealAccepted(payload=p):
                self.status_note = p.comment
            case AppealResolved(payload=p):
                self.answer = p.answer
                self.status_note = None
            case AppealRedirected(payload=p):
                self.status_note = (
                    f"{self.executor_name or p.executor_id} says this is not theirs ({p.reason});"
                    " the appeal is being passed to the right organisation."
                )
                self.executor_id = self.executor_name = None
            case AppealDuplicate(payload=p):
                self.duplicate_of = p.original_appeal_id
                self.status_note = (
                    "The same problem was already reported nearby; follow that appeal —"
                    " its progress is shown here too."
                )
