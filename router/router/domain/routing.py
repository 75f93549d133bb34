"""Routing decisions (pure): which executor answers an appeal, and why."""

from dataclasses import dataclass

from router.domain.rules import Rule, RuleSet
from router.domain.territories import Territory, TerritoryIndex


@dataclass(frozen=True)
class AppealToRoute:
    category: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Routed:
    executor_id: str
    rule: Rule
    territory: Territory | None
    territory_ids: list[str]
    explanation: str


@dataclass(frozen=True)
class Unroutable:
    territory_ids: list[str]
    reason: str


Decision = Routed | Unroutable


@dataclass(frozen=True)
class Router:
    """Everything a decision depends on, swapped as a whole when the city changes."""

    rules: RuleSet
    territories: TerritoryIndex
    category_groups: dict[str, str]
    executor_names: dict[str, str]

    def decide(self, appeal: AppealToRoute) -> Decision:
        hits = self.territories.containing(appeal.lon, appeal.lat)
        hit_ids = [t.id for t in hits]
        group = self.category_groups.get(appeal.category)
        for rule in self.rules.rules:
            if not rule.matches_category(appeal.category, group):
                continue
            territory = _first_matching(rule, hits)
            if rule.territorial and territory is None:
                continue
            executor = rule.executor or (territory.executor_id if territory else None)
            if executor is None or executor not in self.executor_names:
                continue
            return Routed(
                executor_id=executor,
                rule=rule,
                territory=territory,
                territory_ids=hit_ids,
                explanation=self._explain(appeal, group, rule, territory, executor),
            )
        where = ", ".join(hit_ids) or "no known territory"
        return Unroutable(
            territory_ids=hit_ids,
            reason=(
                f"no rule of version {self.rules.version} matches category {appeal.category!r}"
                f" (group {group!r}) at {where}"
            ),
        )

    def _explain(
        self,
        appeal: AppealToRoute,
        group: str | None,
        rule: Rule,
        territory: Territory | None,
        executor: str,
    ) -> str:
        what = (
            f"category {appeal.category!r}"
            if appeal.category in rule.categories
            else f"category {appeal.category!r} is in group {group!r}"
        )
        where = f" inside {territory.kind} {territory.id!r} ({territory.name})" if territory else ""
        source = "the territory's executor" if rule.executor_from_territory else "fixed executor"
        return (
            f"rule {rule.id!r} of version {self.rules.version}: {what}{where};"
            f" {source} {executor!r} ({self.executor_names[executor]})"
        )


def _first_matching(rule: Rule, hits: list[Territory]) -> Territory | None:
    for territory in hits:
        if rule.matches_territory(territory):
            return territory
    return None
