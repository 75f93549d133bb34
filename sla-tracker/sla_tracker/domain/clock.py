"""An appeal's legal clock (pure): which stages run, when each is due, pauses, the one
extension, redirects and reopenings — and what falls due next.

The tracker feeds it the case's events in order (`submitted`, `routed`, `accepted`,
`paused`, `resumed`, `extended`, `redirected`, `answered`, `reopened`, `closed`) and asks
`pending()` for the marks (warnings, breach, escalation rungs) not yet fired, each once.

- Registration runs from submission until an executor has the appeal.
- The answer stage runs from the executor's registration (its `routed`) until it answers.
  With a `redirect` stage in the policy, the executor must also accept or send the appeal
  on within it. On a redirect the policy says whether the next executor's answer stage
  starts afresh (`restart_answer`, 59-ФЗ) or keeps the citizen's deadline
  (`keep_deadline`).
- A pause (the executor asked the citizen) stops the answer stage's clock: on resumption
  its deadline and its remaining marks move by the time paused.
- One extension moves the answer deadline by the policy's `extension` stage.
- A reopening starts a new answer stage for the same executor.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sla_tracker.domain.deadlines import Mark, marks
from sla_tracker.domain.policy import Duration, OnRedirect, Policy, StageKind

DueAt = Callable[[datetime, Duration], datetime]
"""The deadline of a stage of that duration started then (calendar and zone bound in)."""


class ClockError(ValueError):
    """A step the clock's state does not allow (a second extension, one while no answer
    stage runs)."""


@dataclass(frozen=True)
class Stage:
    kind: StageKind
    started: datetime
    due: datetime
    executor_id: str | None = None
    ended: datetime | None = None
    paused_at: datetime | None = None
    paused_for: timedelta = timedelta(0)
    extended: bool = False
    fired: int = 0
    """How many of `marks()` were already fired (they fire in order)."""

    @property
    def running(self) -> bool:
        return self.ended is None

    def marks(self, policy: Policy) -> list[Mark]:
        """The stage's marks, moved by the time it was paused."""
        found = marks(self.started, self.due, policy)
        if not self.paused_for:
            return found
        return [replace(m, at=m.at + self.paused_for) for m in found]

    @property
    def effective_due(self) -> datetime:
        return self.due + self.paused_for


@dataclass(frozen=True)
class Due:
    """A mark that has come: which stage, which mark (its index), what it is."""

    stage: int
    index: int
    mark: Mark
    executor_id: str | None


@dataclass
class AppealClock:
    policy: Policy
    due_at: DueAt
    stages: list[Stage] = field(default_factory=list)

    # --- the case's events -------------------------------------------------------------

    def submitted(self, at: datetime) -> None:
        self._start(StageKind.REGISTRATION, at, None)

    def routed(self, at: datetime, executor_id: str) -> None:
        """An executor has the appeal (first routing, or after a redirect)."""
        self._end(at, StageKind.REGISTRATION)
        previous = self._last(StageKind.ANSWER)
        self._start(StageKind.REDIRECT, at, executor_id)
        if previous is not None and self.policy.on_redirect is OnRedirect.KEEP_DEADLINE:
            # The citizen's deadline stands: the new executor inherits the stage's clock
            # (what was already fired stays fired).
            self.stages.append(replace(previous, executor_id=executor_id, ended=None))
        else:
            self._start(StageKind.ANSWER, at, executor_id)

    def accepted(self, at: datetime) -> None:
        """The executor took the appeal as its own: its time to redirect is over."""
        self._end(at, StageKind.REDIRECT)

    def redirected(self, at: datetime) -> None:
        self._end(at, StageKind.REDIRECT)
        self._end(at, StageKind.ANSWER)

    def paused(self, at: datetime) -> None:
        stage = self._running(StageKind.ANSWER)
        if stage is not None and stage.paused_at is None:
            self._replace(stage, replace(stage, paused_at=at))

    def resumed(self, at: datetime) -> None:
        stage = self._running(StageKind.ANSWER)
        if stage is not None and stage.paused_at is not None:
            waited = max(at - stage.paused_at, timedelta(0))
            self._replace(
                stage, replace(stage, paused_at=None, paused_for=stage.paused_for + waited)
            )

    def extended(self, at: datetime) -> datetime:
        """The one extension: the answer deadline moves by the policy's `extension` stage.
        Returns the new deadline. Raises ClockError if it cannot be extended."""
        stage = self._running(StageKind.ANSWER)
        extension = self.policy.stages.get(StageKind.EXTENSION)
        if stage is None:
            raise ClockError("no answer stage runs")
        if extension is None:
            raise ClockError(f"policy {self.policy.id!r} allows no extension")
        if stage.extended:
            raise ClockError("the answer deadline was extended once already")
        if at >= stage.effective_due:
            raise ClockError("the answer deadline has passed: too late to extend it")
        due = self.due_at(stage.due, extension)
        fired = sum(1 for m in stage.marks(self.policy) if m.at + (due - stage.due) <= at)
        self._replace(stage, replace(stage, due=due, extended=True, fired=min(stage.fired, fired)))
        return due + stage.paused_for

    def answered(self, at: datetime) -> None:
        self._end(at, StageKind.REDIRECT)
        self._end(at, StageKind.ANSWER)

    def reopened(self, at: datetime, executor_id: str) -> None:
        self._start(StageKind.ANSWER, at, executor_id)

    def closed(self, at: datetime) -> None:
        for stage in list(self.stages):
            if stage.running:
                self._replace(stage, replace(stage, ended=at))

    def answer_stage(self) -> Stage | None:
        """The answer stage running, unpaused (its deadline is then known), or None."""
        stage = self._running(StageKind.ANSWER)
        return stage if stage is not None and stage.paused_at is None else None

    def stages_past_registration(self) -> bool:
        """Whether any stage after registration has started (the policy is then fixed)."""
        return any(s.kind is not StageKind.REGISTRATION for s in self.stages)

    # --- what falls due --------------------------------------------------------------------

    def pending(self, now: datetime) -> list[Due]:
        """Marks that have come by `now` and were not fired, in time order. A paused
        stage fires nothing until it resumes."""
        found: list[Due] = []
        for number, stage in enumerate(self.stages):
            if not stage.running or stage.paused_at is not None:
                continue
            for index, mark in enumerate(stage.marks(self.policy)):
                if index >= stage.fired and mark.at <= now:
                    found.append(Due(number, index, mark, stage.executor_id))
        return sorted(found, key=lambda d: d.mark.at)

    def fire(self, due: Due) -> None:
        """Record `due` (and every earlier mark of its stage) as fired."""
        stage = self.stages[due.stage]
        self.stages[due.stage] = replace(stage, fired=max(stage.fired, due.index + 1))

    def next_at(self) -> datetime | None:
        """When the next mark comes (None: nothing runs, or everything is paused)."""
        upcoming = [
            mark.at
            for stage in self.stages
            if stage.running and stage.paused_at is None
            for index, mark in enumerate(stage.marks(self.policy))
            if index >= stage.fired
        ]
        return min(upcoming, default=None)

    # --- helpers ---------------------------------------------------------------------------

    def _start(self, kind: StageKind, at: datetime, executor_id: str | None) -> None:
        duration = self.policy.stages.get(kind)
        if duration is not None:
            self.stages.append(Stage(kind, at, self.due_at(at, duration), executor_id))

    def _end(self, at: datetime, kind: StageKind) -> None:
        stage = self._running(kind)
        if stage is not None:
            paused = at - stage.paused_at if stage.paused_at else timedelta(0)
            self._replace(
                stage,
                replace(stage, ended=at, paused_at=None, paused_for=stage.paused_for + paused),
            )

    def _running(self, kind: StageKind) -> Stage | None:
        return next((s for s in reversed(self.stages) if s.kind is kind and s.running), None)

    def _last(self, kind: StageKind) -> Stage | None:
        return next((s for s in reversed(self.stages) if s.kind is kind), None)

    def _replace(self, old: Stage, new: Stage) -> None:
        number = next(n for n, stage in enumerate(self.stages) if stage is old)
        self.stages[number] = new
