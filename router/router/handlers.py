"""Router's subscribers: route every submitted appeal, exactly once."""

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.events import (
    AppealRouted,
    AppealRoutedPayload,
    AppealSubmitted,
    AssignmentIssued,
    AssignmentIssuedPayload,
    NeedsManualRouting,
    NeedsManualRoutingPayload,
)
from contracts.topics import APPEAL_EVENTS, executor_assignments
from router.domain.routing import AppealToRoute, Routed
from router.engine import RoutingEngine
from router.store import repository
from services.outbox import stage

PRODUCER = "router"


class RoutingHandlers:
    def __init__(self, engine: RoutingEngine) -> None:
        self._engine = engine

    async def route_submitted(self, event: AppealSubmitted, session: AsyncSession) -> None:
        attempt = 1
        if await repository.has_decision(session, event.appeal_id, attempt):
            return
        router = await self._engine.current()
        p = event.payload
        decision = router.decide(
            AppealToRoute(
                category=p.category,
                lon=p.location.lon,
                lat=p.location.lat,
                channel=p.channel,
                submitted_at=event.occurred_at,
                building_id=p.building_id,
                address=p.address,
            )
        )
        version = router.rules.version
        repository.record_decision(session, event.appeal_id, attempt, p.category, decision, version)
        if isinstance(decision, Routed):
            routed = AppealRouted.caused_by(
                event,
                producer=PRODUCER,
                payload=AppealRoutedPayload(
                    executor_id=decision.executor_id,
                    executor_name=router.executor_names[decision.executor_id],
                    rule_id=decision.rule.id,
                    rule_set_version=version,
                    territory_ids=decision.territory_ids,
                    explanation=decision.explanation,
                    attempt=attempt,
                    priority=decision.rule.priority,
                    sla_policy=decision.rule.sla_policy,
                ),
            )
            stage(session, routed, APPEAL_EVENTS)
            assignment = AssignmentIssued.caused_by(
                routed,
                producer=PRODUCER,
                payload=AssignmentIssuedPayload(
                    executor_id=decision.executor_id,
                    category=p.category,
                    location=p.location,
                    address=p.address,
                    text=p.text,
                    rule_id=decision.rule.id,
                    submitted_at=event.occurred_at.isoformat(),
                    priority=decision.rule.priority,
                    sla_policy=decision.rule.sla_policy,
                ),
            )
            stage(session, assignment, executor_assignments(decision.executor_id))
        else:
            manual = NeedsManualRouting.caused_by(
                event,
                producer=PRODUCER,
                payload=NeedsManualRoutingPayload(
                    reason=decision.reason,
                    rule_set_version=version,
                    territory_ids=decision.territory_ids,
                ),
            )
            stage(session, manual, APPEAL_EVENTS)
