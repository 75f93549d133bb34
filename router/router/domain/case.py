"""The router's case of an appeal and the one lifecycle it follows (pure).

    new ──route──────────► routed ──close──► closed ──reopen──► routed (same executor)
     │ ├─forward─────────► forwarded (a suggestion or thanks: for information)
     │ ├─send_to_manual──► manual ──route_manually──► routed (or forwarded)
     │ ╰─hold────────────► held ──release──► new;  held ──close──► closed (rejected)
     ╰──mark_duplicate───► duplicate
    routed ──redirected_by(its executor)──► new (decided again without that executor)

`closed` means answered (resolved, clarified or rejected): no longer an original a new
appeal nearby may repeat, until the citizen or an operator reopens it.

`new` means "waiting for a routing decision": a case is only there inside the transaction
that decides it. Every refused step raises a `CaseError`.
"""

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class CaseState(StrEnum):
    NEW = "new"
    ROUTED = "routed"
    FORWARDED = "forwarded"
    MANUAL = "manual"
    HELD = "held"
    """Waiting for a moderator before any decision."""
    DUPLICATE = "duplicate"
    CLOSED = "closed"


OPEN_STATES = frozenset({CaseState.ROUTED, CaseState.MANUAL})
"""Cases a new appeal nearby may duplicate: someone is (or will be) working on them."""


class CaseError(ValueError):
    """A step the case's state does not allow."""


class AlreadyDecided(CaseError):
    pass


class NotWithExecutor(CaseError):
    pass


class NotWaitingForOperator(CaseError):
    pass


class ExcludedExecutor(CaseError):
    pass


class UnknownExecutor(CaseError):
    pass


class NotHeld(CaseError):
    pass


@dataclass
class Case:
    appeal_id: UUID
    state: CaseState = CaseState.NEW
    executor_id: str | None = None
    attempt: int = 1
    """Routing attempts so far: one more after each redirect and each operator's choice."""
    excluded_executor_ids: tuple[str, ...] = ()
    """Executors that said "not ours", in the order they said it."""
    duplicate_of: UUID | None = None

    @property
    def redirects(self) -> int:
        return len(self.excluded_executor_ids)

    def check_undecided(self) -> None:
        if self.state is not CaseState.NEW:
            raise AlreadyDecided(f"appeal {self.appeal_id} is already {self.state}")

    def check_with_executor(self, executor_id: str) -> None:
        if self.state is not CaseState.ROUTED or self.executor_id != executor_id:
            holder = f" with {self.executor_id!r}" if self.executor_id else ""
            raise NotWithExecutor(
                f"appeal {self.appeal_id} is {self.state}{holder}, not with {executor_id!r}"
            )

    def check_waiting_for_operator(self) -> None:
        if self.state is not CaseState.MANUAL:
            raise NotWaitingForOperator(
                f"appeal {self.appeal_id} is {self.state}, not waiting for an operator"
            )

    def check_not_excluded(self, executor_id: str) -> None:
        if executor_id in self.excluded_executor_ids:
            raise ExcludedExecutor(
                f"{executor_id!r} already redirected appeal {self.appeal_id}; the rules"
                " must not send it back"
            )

    def route(self, executor_id: str) -> None:
        """The rules chose `executor_id`."""
        self.check_undecided()
        self.check_not_excluded(executor_id)
        self.state, self.executor_id = CaseState.ROUTED, executor_id

    def forward(self, executor_id: str) -> None:
        """The rules chose `executor_id` for a suggestion or thanks: for information."""
        self.check_undecided()
        self.state, self.executor_id = CaseState.FORWARDED, executor_id

    def hold(self) -> None:
        """Intake's checks flagged the appeal: nothing is decided until a moderator acts."""
        self.check_undecided()
        self.state = CaseState.HELD

    def release(self) -> None:
        """A moderator approved the held appeal: it is decided as a new one."""
        if self.state is not CaseState.HELD:
            raise NotHeld(f"appeal {self.appeal_id} is {self.state}, not held for moderation")
        self.state = CaseState.NEW

    def send_to_manual(self) -> None:
        """No rule fits (or too many redirects): an operator decides."""
        self.check_undecided()
        self.state, self.executor_id = CaseState.MANUAL, None

    def mark_duplicate(self, original: UUID) -> None:
        """The appeal repeats the open appeal `original`; no new work is created."""
        self.check_undecided()
        if original == self.appeal_id:
            raise CaseError(f"appeal {self.appeal_id} cannot duplicate itself")
        self.state, self.duplicate_of = CaseState.DUPLICATE, original

    def redirected_by(self, executor_id: str) -> None:
        """The executor holding the case says "not ours": decide again without it."""
        self.check_with_executor(executor_id)
        self.excluded_executor_ids = (*self.excluded_executor_ids, executor_id)
        self.attempt += 1
        self.state, self.executor_id = CaseState.NEW, None

    def route_manually(self, executor_id: str, *, forward: bool = False) -> None:
        """An operator assigns a queued case (even to an executor that redirected it), or
        `forward`s a suggestion or thanks."""
        self.check_waiting_for_operator()
        self.attempt += 1
        self.executor_id = executor_id
        self.state = CaseState.FORWARDED if forward else CaseState.ROUTED

    def close(self) -> None:
        """The executor answered the appeal (or a moderator rejected a held one); closing
        again (the same answer delivered twice) changes nothing."""
        if self.state is CaseState.CLOSED:
            return
        if self.state not in {CaseState.ROUTED, CaseState.HELD}:
            raise NotWithExecutor(
                f"appeal {self.appeal_id} is {self.state}, with no executor to answer it"
            )
        self.state = CaseState.CLOSED

    def reopen(self, executor_id: str) -> None:
        """The citizen (or an operator) did not accept the answer: the same executor works
        on it again, and it is an original for duplicates again. Reopening an open case
        with that executor changes nothing."""
        if self.state is CaseState.ROUTED and self.executor_id == executor_id:
            return
        if self.state is not CaseState.CLOSED or self.executor_id != executor_id:
            holder = f" with {self.executor_id!r}" if self.executor_id else ""
            raise NotWithExecutor(
                f"appeal {self.appeal_id} is {self.state}{holder}; {executor_id!r} cannot"
                " get it back"
            )
        self.state = CaseState.ROUTED
