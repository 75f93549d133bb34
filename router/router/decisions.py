"""What the router does with an appeal's case: route it, spot a duplicate, route it again
after a redirect, or let an operator decide. Each step loads the case file, moves the
`Case` (which refuses what its state does not allow), writes it back, records a decision
and stages its events in the caller's transaction."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import Event
from contracts.events import (
    AnswerRejected,
    AppealApproved,
    AppealClarified,
    AppealDuplicate,
    AppealDuplicatePayload,
    AppealForwarded,
    AppealForwardedPayload,
    AppealKind,
    AppealRedirected,
    AppealRejected,
    AppealReopened,
    AppealResolved,
    AppealRouted,
    AppealRoutedPayload,
    AppealSubmitted,
    AssignmentIssued,
    AssignmentIssuedPayload,
    NeedsManualRouting,
    NeedsManualRoutingPayload,
    Priority,
)
from contracts.geo import GeoPoint
from contracts.topics import APPEAL_EVENTS, executor_assignments
from router.domain.case import Case, CaseError, CaseState, UnknownExecutor
from router.domain.duplicates import DuplicatePolicy, area_locks, find_same_problem, search_box
from router.domain.routing import Decision, Routed, Router
from router.engine import RoutingEngine
from router.settings import RouterSettings
from router.store import repository
from router.store.tables import AppealRow, DecisionRow
from services.clock import Clock
from services.db import Database
from services.outbox import stage

PRODUCER = "router"
log = structlog.get_logger(__name__)


class UnknownAppeal(LookupError):
    pass


@dataclass(frozen=True)
class Choice:
    """Who gets the appeal, and the why that travels with it."""

    executor_id: str
    executor_name: str
    rule_id: str
    rule_set_version: int
    explanation: str
    territory_ids: list[str] = field(default_factory=list)
    priority: Priority = Priority.NORMAL
    sla_policy: str | None = None
    decided_by: str | None = None


class Casework:
    def __init__(
        self, engine: RoutingEngine, db: Database, settings: RouterSettings, clock: Clock
    ) -> None:
        self.engine = engine
        self._db = db
        self._clock = clock
        self._policy = DuplicatePolicy(
            radius_m=settings.duplicate_radius_m,
            window=timedelta(days=settings.duplicate_window_days),
        )
        self._max_redirects = settings.max_redirects

    async def submitted(self, event: AppealSubmitted, session: AsyncSession) -> None:
        if await repository.appeal_known(session, event.appeal_id):
            return  # already handled under another event id: never decide twice
        p = event.payload
        appeal = AppealRow(
            appeal_id=event.appeal_id,
            category=p.category,
            lat=p.location.lat,
            lon=p.location.lon,
            address=p.address,
            building_id=p.building_id,
            text=p.text,
            channel=p.channel,
            kind=p.kind.value,
            submitted_at=event.occurred_at,
            correlation_id=event.correlation_id,
            state=CaseState.NEW.value,
        )
        case = Case(event.appeal_id)
        if p.held_for_moderation:
            case.hold()  # decided once a moderator approves it (`approved`)
            repository.save_case(session, appeal, case)
            return
        await self._decide_new(session, appeal, case, event)  # which saves the case decided

    async def approved(self, event: AppealApproved, session: AsyncSession) -> None:
        """A moderator let a held appeal through: decide it as a new one."""
        appeal = await repository.get_appeal(session, event.appeal_id, for_update=True)
        if appeal is None:
            log.warning("approval of an appeal the router never saw; ignored")
            return
        case = repository.case_of(appeal)
        try:
            case.release()
        except CaseError as error:
            log.warning("approval refused; ignored", reason=str(error))
            return
        repository.save_case(session, appeal, case)
        await self._decide_new(session, appeal, case, event)

    async def _decide_new(
        self, session: AsyncSession, appeal: AppealRow, case: Case, event: Event
    ) -> None:
        """Link a problem to the open original it repeats — the same problem for the same
        executor under the rules in force — else let the rules decide."""
        router = await self.engine.current()
        to_route = repository.to_route(appeal)
        decision = router.decide(to_route)
        if appeal.kind != AppealKind.PROBLEM:
            await self._route(session, appeal, case, event, (router, decision))
            return
        await repository.lock_area(
            session, area_locks(appeal.category, appeal.lat, appeal.lon, self._policy.radius_m)
        )
        window = self._policy.window
        nearby = await repository.open_appeals_near(
            session,
            appeal.category,
            search_box(appeal.lat, appeal.lon, self._policy.radius_m),
            (appeal.submitted_at - window, appeal.submitted_at + window),
        )
        original = find_same_problem(router, to_route, decision, nearby, self._policy)
        if original is None:
            await self._route(session, appeal, case, event, (router, decision))
            return
        explanation = original.explanation(self._policy)
        case.mark_duplicate(original.appeal.appeal_id)
        repository.save_case(session, appeal, case)
        repository.record_outcome(session, appeal, "duplicate", explanation, router.rules.version)
        payload = AppealDuplicatePayload(
            original_appeal_id=original.appeal.appeal_id,
            distance_m=round(original.distance_m, 1),
            explanation=explanation,
        )
        stage(
            session,
            AppealDuplicate(**self._envelope(appeal, event), payload=payload),
            APPEAL_EVENTS,
        )

    async def redirected(self, event: AppealRedirected, session: AsyncSession) -> None:
        appeal = await repository.get_appeal(session, event.appeal_id, for_update=True)
        executor = event.payload.executor_id
        if appeal is None:
            log.warning("redirect of an appeal the router never saw; ignored", by=executor)
            return
        case = repository.case_of(appeal)
        try:
            case.redirected_by(executor)
        except CaseError as error:
            log.warning("redirect refused; ignored", by=executor, reason=str(error))
            return
        repository.save_case(session, appeal, case)
        if case.redirects <= self._max_redirects:
            await self._route(session, appeal, case, event)
            return
        version = (await self.engine.current()).rules.version
        reason = (
            f"redirected {case.redirects} times"
            f" (by {', '.join(case.excluded_executor_ids)}); an operator decides"
        )
        case.send_to_manual()
        repository.save_case(session, appeal, case)
        repository.record_outcome(session, appeal, "manual", reason, version)
        self._to_manual(session, appeal, event, reason, version, [])

    async def answered(
        self, event: AppealResolved | AppealClarified | AppealRejected, session: AsyncSession
    ) -> None:
        """The executor answered: the case closes (no longer an original for duplicates)."""
        await self._follow(session, event, lambda case: case.close())

    async def reopened(self, event: AppealReopened | AnswerRejected, session: AsyncSession) -> None:
        """The answer was not accepted: the same executor has the case again."""
        executor_id = event.payload.executor_id
        await self._follow(session, event, lambda case: case.reopen(executor_id))

    async def _follow(
        self, session: AsyncSession, event: Event, step: Callable[[Case], None]
    ) -> None:
        assert event.appeal_id is not None
        appeal = await repository.get_appeal(session, event.appeal_id, for_update=True)
        if appeal is None:
            return
        case = repository.case_of(appeal)
        try:
            step(case)
        except CaseError as error:
            log.warning("lifecycle step refused; ignored", event=event.type, reason=str(error))
            return
        repository.save_case(session, appeal, case)

    async def route_manually(
        self, appeal_id: UUID, executor_id: str, operator: str, note: str | None
    ) -> DecisionRow:
        """An operator assigns an appeal from the manual queue."""
        version = (await self.engine.current()).rules.version
        async with self._db.transaction() as session:
            appeal = await repository.get_appeal(session, appeal_id, for_update=True)
            if appeal is None:
                raise UnknownAppeal(f"router knows no appeal {appeal_id}")
            case = repository.case_of(appeal)
            case.check_waiting_for_operator()
            name = await repository.executor_name(session, executor_id)
            if name is None:
                raise UnknownExecutor(f"no executor {executor_id!r}")
            case.route_manually(executor_id, forward=appeal.kind != AppealKind.PROBLEM)
            repository.save_case(session, appeal, case)
            explanation = f"routed by operator {operator!r} to {executor_id!r} ({name})" + (
                f": {note}" if note else ""
            )
            decision = repository.record_outcome(
                session,
                appeal,
                "routed",
                explanation,
                version,
                executor_id=executor_id,
                decided_by=operator,
            )
            choice = Choice(
                executor_id,
                name,
                repository.MANUAL_RULE,
                version,
                explanation,
                decided_by=operator,
            )
            self._issue(session, appeal, None, choice)
        return decision

    async def _route(
        self,
        session: AsyncSession,
        appeal: AppealRow,
        case: Case,
        cause: Event,
        decided: tuple[Router, Decision] | None = None,
    ) -> None:
        """Let the rules decide a new (or redirected) case; `appeal` holds `case` as it is
        (the rules read the redirects from it). `decided`: the router and its decision,
        when already made."""
        if decided is None:
            router = await self.engine.current()
            decided = router, router.decide(repository.to_route(appeal))
        router, decision = decided
        if isinstance(decision, Routed) and appeal.kind != AppealKind.PROBLEM:
            case.forward(decision.executor_id)
        elif isinstance(decision, Routed):
            case.route(decision.executor_id)
        else:
            case.send_to_manual()
        repository.save_case(session, appeal, case)
        repository.record_decision(session, appeal, decision, router.rules.version)
        if not isinstance(decision, Routed):
            self._to_manual(
                session,
                appeal,
                cause,
                decision.reason,
                router.rules.version,
                decision.territory_ids,
            )
            return
        choice = Choice(
            decision.executor_id,
            decision.executor_name,
            decision.rule.id,
            router.rules.version,
            decision.explanation,
            decision.territory_ids,
            decision.rule.priority,
            decision.rule.sla_policy,
        )
        self._issue(session, appeal, cause, choice)

    def _envelope(self, appeal: AppealRow, cause: Event | None) -> dict[str, Any]:
        """The envelope fields of an event the router emits about `appeal` now."""
        return {
            "appeal_id": appeal.appeal_id,
            "producer": PRODUCER,
            "correlation_id": appeal.correlation_id,
            "causation_id": cause.event_id if cause else None,
            "occurred_at": self._clock.now(),
        }

    def _issue(
        self, session: AsyncSession, appeal: AppealRow, cause: Event | None, choice: Choice
    ) -> None:
        """Stage the events of a case routed (a problem) or forwarded (a suggestion or
        thanks) to `choice.executor_id`: the appeal's log, and the executor's own topic."""
        kind = AppealKind(appeal.kind)
        routed: AppealRouted | AppealForwarded
        if kind is AppealKind.PROBLEM:
            routed = AppealRouted(
                **self._envelope(appeal, cause),
                payload=AppealRoutedPayload(
                    executor_id=choice.executor_id,
                    executor_name=choice.executor_name,
                    rule_id=choice.rule_id,
                    rule_set_version=choice.rule_set_version,
                    territory_ids=choice.territory_ids,
                    explanation=choice.explanation,
                    attempt=appeal.attempt,
                    priority=choice.priority,
                    sla_policy=choice.sla_policy,
                    decided_by=choice.decided_by,
                ),
            )
        else:
            routed = AppealForwarded(
                **self._envelope(appeal, cause),
                payload=AppealForwardedPayload(
                    executor_id=choice.executor_id,
                    executor_name=choice.executor_name,
                    kind=kind,
                    rule_id=choice.rule_id,
                    decided_by=choice.decided_by,
                ),
            )
        stage(session, routed, APPEAL_EVENTS)
        assignment = AssignmentIssued.caused_by(
            routed,
            producer=PRODUCER,
            occurred_at=routed.occurred_at,
            payload=AssignmentIssuedPayload(
                executor_id=choice.executor_id,
                category=appeal.category,
                location=GeoPoint(lat=appeal.lat, lon=appeal.lon),
                address=appeal.address,
                text=appeal.text,
                rule_id=choice.rule_id,
                submitted_at=appeal.submitted_at.isoformat(),
                priority=choice.priority,
                sla_policy=choice.sla_policy,
                kind=kind,
            ),
        )
        stage(session, assignment, executor_assignments(choice.executor_id))

    def _to_manual(
        self,
        session: AsyncSession,
        appeal: AppealRow,
        cause: Event | None,
        reason: str,
        version: int,
        territory_ids: list[str],
    ) -> None:
        """Stage the event of a case sent to the manual queue."""
        manual = NeedsManualRouting(
            **self._envelope(appeal, cause),
            payload=NeedsManualRoutingPayload(
                reason=reason,
                rule_set_version=version,
                territory_ids=territory_ids,
                attempt=appeal.attempt,
                excluded_executor_ids=appeal.excluded_executor_ids,
            ),
        )
        stage(session, manual, APPEAL_EVENTS)
