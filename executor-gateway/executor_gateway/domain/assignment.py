"""An assignment as its executor sees it, and what the executor may do with it (pure)."""

from dataclasses import dataclass

from contracts.status import AppealStatus, IllegalTransition, status_after


class AssignmentError(ValueError):
    """A request an executor made that the assignment's state does not allow."""


class NotAllowed(AssignmentError):
    pass


@dataclass
class Assignment:
    executor_id: str
    status: AppealStatus
    answer: str | None = None

    def check_acting_executor(self, executor_id: str) -> None:
        if executor_id != self.executor_id:
            raise NotAllowed(f"the appeal is assigned to {self.executor_id!r}, not {executor_id!r}")

    def accept(self) -> None:
        self.status = self._next("AppealAccepted")

    def resolve(self, answer: str) -> None:
        self.status = self._next("AppealResolved")
        self.answer = answer

    def redirect(self) -> None:
        """ "Not ours": the router will look for another executor."""
        self.status = self._next("AppealRedirected")

    def _next(self, event_type: str) -> AppealStatus:
        try:
            return status_after(self.status, event_type)
        except IllegalTransition as error:
            raise NotAllowed(str(error)) from error
