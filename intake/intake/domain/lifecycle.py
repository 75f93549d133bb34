"""How lifecycle events change what the citizen sees (pure)."""

from dataclasses import dataclass

from contracts.events import AppealAccepted, AppealResolved, AppealRouted, NeedsManualRouting
from contracts.status import AppealStatus, status_after

LifecycleEvent = AppealRouted | NeedsManualRouting | AppealAccepted | AppealResolved


@dataclass
class CitizenView:
    """The part of an appeal the citizen follows."""

    status: AppealStatus
    executor_id: str | None = None
    executor_name: str | None = None
    answer: str | None = None
    status_note: str | None = None

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
