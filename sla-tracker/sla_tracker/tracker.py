"""The tracker's use cases: move an appeal's clock with each event of its case (in the
consumer's transaction), and fire what falls due (the ticker's transaction), each mark
once, its event staged in the same transaction that records it fired."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import Event
from contracts.events import (
    AnswerRejected,
    AppealAccepted,
    AppealClarified,
    AppealClosed,
    AppealConfirmed,
    AppealDuplicate,
    AppealForwarded,
    AppealRedirected,
    AppealRejected,
    AppealReopened,
    AppealResolved,
    AppealRouted,
    AppealSubmitted,
    ClarificationProvided,
    ClarificationRequested,
    DeadlineReason,
    DeadlineSet,
    DeadlineSetPayload,
    Escalated,
    EscalatedPayload,
    SlaBreached,
    SlaMarkPayload,
    SlaStage,
    SlaWarning,
    SlaWarningPayload,
)
from contracts.topics import APPEAL_EVENTS
from services.clock import Clock
from services.db import Database
from services.outbox import stage
from sla_tracker.city import SlaCity, stored_city
from sla_tracker.domain.clock import AppealClock, Due, Stage
from sla_tracker.domain.policy import Policy
from sla_tracker.store import repository
from sla_tracker.store.tables import ClockRow

PRODUCER = "sla-tracker"
NEXT_AT = "sla.next_at"
"""`session.info` key: the earliest `next_at` a transaction wrote (wakes the ticker)."""

log = structlog.get_logger(__name__)


class NoCity(RuntimeError):
    """The city's calendar and policies were never loaded (`load-city`)."""


@dataclass
class Tracker:
    db: Database
    clock: Clock
    city: SlaCity | None = None

    async def reload(self) -> None:
        """Read the city's calendar and policies (at start, and after `load-city`)."""
        async with self.db.session() as session:
            row = await repository.load_city(session)
        self.city = stored_city(row.calendar, row.policies) if row else None

    # --- the case's events --------------------------------------------------------------

    async def submitted(self, event: AppealSubmitted, session: AsyncSession) -> None:
        row, clock = await self._open(session, event.appeal_id, None)
        row.category = event.payload.category
        if not clock.stages:  # routed before we heard it was filed: no registration then
            clock.submitted(event.occurred_at)
        self._save(session, row, clock)

    async def routed(self, event: AppealRouted, session: AsyncSession) -> None:
        p = event.payload
        row, clock = await self._open(session, event.appeal_id, p.sla_policy)
        row.executor_id = p.executor_id
        row.territory_ids = json.dumps(p.territory_ids)
        before = clock.answer_stage()
        clock.routed(event.occurred_at, p.executor_id)
        self._save(session, row, clock)
        self._tell_deadline(session, row, clock, before, event)

    async def step(
        self, event: Event, session: AsyncSession, move: Callable[[AppealClock], None]
    ) -> None:
        """Apply a lifecycle step to a clock we have (steps of unknown appeals are skipped:
        an appeal filed before the tracker existed has no clock)."""
        assert event.appeal_id is not None
        found = await repository.get_clock(session, event.appeal_id, for_update=True)
        if found is None:
            return
        clock = self._clock_of(found)
        before = clock.answer_stage()
        move(clock)
        self._save(session, found, clock)
        self._tell_deadline(session, found, clock, before, event)

    # --- the ticker ---------------------------------------------------------------------

    async def tick(self, limit: int) -> int:
        """Fire every mark that has come, for up to `limit` clocks; returns how many clocks
        it looked at (`limit`: there may be more). Columns in, one UPDATE out: no ORM."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            due = await repository.due_clock_columns(session, now, limit)
            changes = []
            for row in due:
                clock = self._clock(row.policy_id, row.stages)
                for mark in clock.pending(now):
                    event = self._event_of(row.appeal_id, row.policy_id, clock, mark)
                    stage(session, event, APPEAL_EVENTS)
                    clock.fire(mark)
                changes.append({"appeal_id": row.appeal_id, **clock_columns(clock, now)})
            await repository.save_fired(session, changes)
            self._note_next(session, [c["next_at"] for c in changes])
        return len(due)

    async def earliest(self) -> datetime | None:
        async with self.db.session() as session:
            return await repository.earliest_next(session)

    # --- helpers ------------------------------------------------------------------------

    def _city(self) -> SlaCity:
        if self.city is None:
            raise NoCity("the city's calendar and policies are not loaded (load-city)")
        return self.city

    def _policy(self, policy_id: str | None) -> Policy:
        policies = self._city().policies
        return policies.policy(policy_id) or policies.policies[0]

    async def _open(
        self, session: AsyncSession, appeal_id: UUID, policy_id: str | None
    ) -> tuple[ClockRow, AppealClock]:
        """The appeal's clock, created if new; a policy named before any answer stage
        started (the router's rule) replaces the default the registration used."""
        policy = self._policy(policy_id)
        # AppealSubmitted and AppealRouted arrive on two topics, applied concurrently: the
        # row is created if missing (a twin insert does nothing), then locked, so the
        # second transaction waits for the first and sees its stages.
        await repository.create_clock(session, appeal_id, policy.id)
        row = await repository.get_clock(session, appeal_id, for_update=True)
        assert row is not None
        clock = self._clock_of(row)
        if policy_id and policy.id != row.policy_id and not clock.stages_past_registration():
            row.policy_id = policy.id
            clock = self._city().clock(policy, clock.stages)
        return row, clock

    def _clock_of(self, row: ClockRow) -> AppealClock:
        return self._clock(row.policy_id, row.stages)

    def _clock(self, policy_id: str, stages: str) -> AppealClock:
        policy = self._policy(policy_id)
        return self._city().clock(policy, repository.stages_from_json(stages))

    def _save(self, session: AsyncSession, row: ClockRow, clock: AppealClock) -> None:
        for column, value in clock_columns(clock, self.clock.now()).items():
            setattr(row, column, value)
        session.add(row)
        self._note_next(session, [row.next_at])

    @staticmethod
    def _note_next(session: AsyncSession, moments: list[datetime | None]) -> None:
        """Remember in the transaction the earliest mark it scheduled (wakes the ticker)."""
        known = [m for m in [session.info.get(NEXT_AT), *moments] if m is not None]
        if known:
            session.info[NEXT_AT] = min(known)

    def _tell_deadline(
        self,
        session: AsyncSession,
        row: ClockRow,
        clock: AppealClock,
        before: Stage | None,
        cause: Event,
    ) -> None:
        """Stage `DeadlineSet` when the answer deadline is new or moved by `cause`."""
        after = clock.answer_stage()
        if after is None:
            return
        if before is not None and before.started == after.started:
            if before.effective_due == after.effective_due:
                return
            reason = DeadlineReason.EXTENDED if after.extended else DeadlineReason.RESUMED
        else:
            reason = DeadlineReason.STARTED
        payload = DeadlineSetPayload(
            policy_id=row.policy_id,
            stage=SlaStage.ANSWER,
            executor_id=after.executor_id,
            due_at=after.effective_due,
            reason=reason,
        )
        envelope = {
            "appeal_id": row.appeal_id,
            "producer": PRODUCER,
            "correlation_id": cause.correlation_id,
            "causation_id": cause.event_id,
            "occurred_at": cause.occurred_at,
        }
        stage(session, DeadlineSet(**envelope, payload=payload), APPEAL_EVENTS)

    def _event_of(self, appeal_id: UUID, policy_id: str, clock: AppealClock, due: Due) -> Event:
        stage_ = clock.stages[due.stage]
        common: dict[str, Any] = {
            "policy_id": policy_id,
            "stage": SlaStage(stage_.kind.value),
            "executor_id": due.executor_id,
            "due_at": stage_.effective_due,
        }
        envelope: dict[str, Any] = {
            "appeal_id": appeal_id,
            "producer": PRODUCER,
            "correlation_id": appeal_id,
            "occurred_at": due.mark.at,
        }
        if due.mark.kind == "warning":
            return SlaWarning(**envelope, payload=SlaWarningPayload(**common, share=due.mark.share))
        if due.mark.kind == "breach":
            return SlaBreached(**envelope, payload=SlaMarkPayload(**common))
        assert due.mark.rung is not None
        return Escalated(
            **envelope,
            payload=EscalatedPayload(**common, rung=due.mark.rung, share=due.mark.share),
        )


def clock_columns(clock: AppealClock, now: datetime) -> dict[str, Any]:
    """A clock's stored columns: its stages, its next mark (the timer) and its earliest
    running deadline (the overdue list)."""
    running = [s.effective_due for s in clock.stages if s.running]
    return {
        "stages": repository.stages_to_json(clock.stages),
        "next_at": clock.next_at(),
        "due_at": min(running, default=None),
        "updated_at": now,
    }


def step_handlers(tracker: Tracker) -> dict[type[Event], Any]:
    """The consumer's handlers for `appeal.events`: each moves the clock one step."""

    def moving(move: Callable[[Any, AppealClock], None]) -> Any:
        async def handle(event: Any, session: AsyncSession) -> None:
            await tracker.step(event, session, lambda clock: move(event, clock))

        return handle

    def closed(event: Any, clock: AppealClock) -> None:
        clock.closed(event.occurred_at)

    def answered(event: Any, clock: AppealClock) -> None:
        clock.answered(event.occurred_at)

    return {
        AppealRouted: tracker.routed,
        AppealForwarded: moving(closed),  # suggestions and thanks have no legal clock
        AppealDuplicate: moving(closed),  # the original's clock answers for it
        AppealAccepted: moving(lambda e, c: c.accepted(e.occurred_at)),
        ClarificationRequested: moving(lambda e, c: c.paused(e.occurred_at)),
        ClarificationProvided: moving(lambda e, c: c.resumed(e.occurred_at)),
        AppealRedirected: moving(lambda e, c: c.redirected(e.occurred_at)),
        AppealResolved: moving(answered),
        AppealClarified: moving(answered),
        AppealRejected: moving(closed),  # the executor's rejection, or a moderator's
        AppealReopened: moving(lambda e, c: c.reopened(e.occurred_at, e.payload.executor_id)),
        AnswerRejected: moving(lambda e, c: c.reopened(e.occurred_at, e.payload.executor_id)),
        AppealConfirmed: moving(closed),
        AppealClosed: moving(closed),
    }
