"""What a draft rule set would change (pure): replay appeals against both routers."""

from collections import Counter
from dataclasses import dataclass, field
from uuid import UUID

from router.domain.appeal import AppealToRoute
from router.domain.routing import Decision, Routed, Router


@dataclass(frozen=True)
class Change:
    appeal_id: UUID
    category: str
    before: str
    after: str


@dataclass
class ReplayReport:
    appeals: int = 0
    executor_changed: int = 0
    rule_changed: int = 0
    now_manual: int = 0
    now_routed: int = 0
    moves: Counter[tuple[str, str]] = field(default_factory=Counter)
    examples: list[Change] = field(default_factory=list)


def _describe(decision: Decision) -> str:
    if isinstance(decision, Routed):
        return f"{decision.executor_id} (rule {decision.rule.id})"
    return "manual routing"


def compare(
    current: Router,
    draft: Router,
    appeals: list[tuple[UUID, AppealToRoute]],
    examples: int = 10,
) -> ReplayReport:
    report = ReplayReport(appeals=len(appeals))
    for appeal_id, appeal in appeals:
        before, after = current.decide(appeal), draft.decide(appeal)
        was = before.executor_id if isinstance(before, Routed) else None
        will = after.executor_id if isinstance(after, Routed) else None
        if was != will:
            report.executor_changed += 1
            report.now_manual += will is None
            report.now_routed += was is None
            report.moves[was or "manual", will or "manual"] += 1
            if len(report.examples) < examples:
                report.examples.append(
                    Change(appeal_id, appeal.category, _describe(before), _describe(after))
                )
        elif isinstance(before, Routed) and isinstance(after, Routed):
            report.rule_changed += before.rule.id != after.rule.id
    return report
