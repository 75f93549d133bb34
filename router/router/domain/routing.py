"""Routing decisions (pure): which executor answers an appeal, and why.

The rule list is ordered and the first rule that fits wins. To stay fast with thousands
of rules, the router indexes the rules once by category and then by the territory they
need (an id, a kind, or none). A decision gathers only the rules for the appeal's
category whose territory contains the point — its candidates — and checks them in rule
order against the time window, the channel, custom matchers and redirects.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from operator import itemgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from contracts.events import Channel
from router.domain.appeal import AppealToRoute
from router.domain.buildings import Building, BuildingRegistry
from router.domain.matchers import Matcher, MatcherFactory
from router.domain.rules import Rule, RuleSet
from router.domain.territories import Territory, TerritoryIndex, TerritoryKind


class RuleSetError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Verdict(StrEnum):
    """Why a candidate rule (one for the appeal's category) won or was passed over."""

    WON = "won"
    OUTSIDE_TIME_WINDOW = "outside the rule's time window"
    MATCHER_DECLINED = "a custom matcher declined"
    NO_EXECUTOR = "the territory has no executor"
    EXCLUDED = "the executor redirected this appeal before"
    UNKNOWN_EXECUTOR = "the territory's executor is not registered"


class Candidate(NamedTuple):
    rule_id: str
    verdict: Verdict


@dataclass(frozen=True)
class Routed:
    executor_id: str
    executor_name: str
    rule: Rule
    rule_set_version: int
    category: str
    group: str | None
    territory: Territory | None
    territory_ids: list[str]
    candidates: tuple[Candidate, ...]
    building: Building | None = None

    @property
    def explanation(self) -> str:
        """Why this executor, in words an operator reads."""
        rule, territory, building = self.rule, self.territory, self.building
        what = (
            f"category {self.category!r}"
            if self.category in rule.categories
            else f"category {self.category!r} is in group {self.group!r}"
        )
        where = ""
        if territory is not None:
            where = f" inside {territory.kind} {territory.id!r} ({territory.name})"
            if building is not None and building.territory_id == territory.id:
                where = (
                    f" at building {building.id!r} ({building.address}), which the registry"
                    f" puts in {territory.kind} {territory.id!r} ({territory.name})"
                )
        source = "the territory's executor" if rule.executor_from_territory else "fixed executor"
        return (
            f"rule {rule.id!r} of version {self.rule_set_version}: {what}{where};"
            f" {source} {self.executor_id!r} ({self.executor_name})"
        )


@dataclass(frozen=True)
class Unroutable:
    territory_ids: list[str]
    reason: str
    candidates: tuple[Candidate, ...]
    building: Building | None = None

    @property
    def explanation(self) -> str:
        return self.reason


Decision = Routed | Unroutable


@dataclass(frozen=True)
class _Compiled:
    order: int
    rule: Rule
    matchers: tuple[Matcher, ...]


@dataclass
class _CategoryRules:
    """The rules for one category, by the territory they need."""

    by_territory_id: dict[str, list[_Compiled]] = field(default_factory=lambda: defaultdict(list))
    by_kind: dict[TerritoryKind, list[_Compiled]] = field(default_factory=lambda: defaultdict(list))
    anywhere: list[_Compiled] = field(default_factory=list)

    def add(self, compiled: _Compiled) -> None:
        rule = compiled.rule
        if rule.territory_id is not None:
            self.by_territory_id[rule.territory_id].append(compiled)
        elif rule.territory_kind is not None:
            self.by_kind[rule.territory_kind].append(compiled)
        else:
            self.anywhere.append(compiled)

    def collect(
        self,
        found: list[tuple[int, _Compiled, Territory | None]],
        hits: Sequence[Territory],
        first_of_kind: Mapping[TerritoryKind, Territory],
    ) -> None:
        """Add the rules whose territory contains the point, with that territory."""
        found.extend((c.order, c, None) for c in self.anywhere)
        for territory in hits:
            for compiled in self.by_territory_id.get(territory.id, ()):
                if compiled.rule.matches_territory(territory):
                    found.append((compiled.order, compiled, territory))
        for kind, territory in first_of_kind.items():
            found.extend((c.order, c, territory) for c in self.by_kind.get(kind, ()))


_by_order = itemgetter(0)


ALWAYS = -1
"""Index slot of rules without a time window; windowed rules sit in the hours of the week
(0–167) their window touches."""


class Router:
    """Everything a decision depends on; replaced whole when the city or rules change, so
    no decision ever sees half of a change."""

    def __init__(
        self,
        rules: RuleSet,
        territories: TerritoryIndex,
        category_groups: Mapping[str, str],
        executor_names: Mapping[str, str],
        buildings: BuildingRegistry | None = None,
        matchers: Mapping[str, MatcherFactory] | None = None,
    ) -> None:
        factories = matchers or {}
        self.matchers = dict(factories)
        problems = rules.check_references(executor_names, factories)
        if problems:
            raise RuleSetError(problems)
        self.rules = rules
        self.territories = territories
        self.category_groups = dict(category_groups)
        self.executor_names = dict(executor_names)
        self.buildings = buildings or BuildingRegistry([])
        self._zone = ZoneInfo(rules.timezone)
        self._index: dict[tuple[str, Channel, int], _CategoryRules] = defaultdict(_CategoryRules)
        for order, rule in enumerate(rules.rules):
            compiled = _Compiled(
                order, rule, tuple(factories[name](cfg) for name, cfg in rule.when.items())
            )
            slots = rule.time_window.hours_of_week() if rule.time_window else {ALWAYS}
            for category in self._categories_of(rule):
                for channel in rule.channels or Channel:
                    for slot in slots:
                        self._index[category, channel, slot].add(compiled)

    def with_rules(self, rules: RuleSet) -> "Router":
        """The same city under other rules (raises RuleSetError if they do not fit it)."""
        return Router(
            rules,
            self.territories,
            self.category_groups,
            self.executor_names,
            self.buildings,
            self.matchers,
        )

    def _categories_of(self, rule: Rule) -> set[str]:
        in_groups = {c for c, g in self.category_groups.items() if g in rule.groups}
        return set(rule.categories) | in_groups

    def decide(self, appeal: AppealToRoute) -> Decision:
        hits = self.territories.containing(appeal.lon, appeal.lat)
        building = self.buildings.find(appeal.building_id, appeal.address)
        if building and (registered := self.territories.by_id.get(building.territory_id)):
            # The registry is authoritative for management companies: it wins over polygons.
            hits = [t for t in hits if t.kind is not TerritoryKind.MANAGEMENT_COMPANY]
            hits.append(registered)
        first_of_kind: dict[TerritoryKind, Territory] = {}
        for hit in hits:
            first_of_kind.setdefault(hit.kind, hit)
        local = appeal.submitted_at.astimezone(self._zone)
        minute, weekday = local.hour * 60 + local.minute, local.isoweekday()
        found: list[tuple[int, _Compiled, Territory | None]] = []
        slot = (weekday - 1) * 24 + local.hour
        for key in (
            (appeal.category, appeal.channel, ALWAYS),
            (appeal.category, appeal.channel, slot),
        ):
            if rules := self._index.get(key):
                rules.collect(found, hits, first_of_kind)
        found.sort(key=_by_order)
        considered: list[Candidate] = []
        for _, compiled, territory in found:
            rule = compiled.rule
            executor = rule.executor or (territory.executor_id if territory else None)
            if rule.time_window and not rule.time_window.contains_minute(minute, weekday):
                verdict: Verdict | None = Verdict.OUTSIDE_TIME_WINDOW
            elif compiled.matchers and not all(m(appeal, hits) for m in compiled.matchers):
                verdict = Verdict.MATCHER_DECLINED
            elif rule.manual is not None:
                considered.append(Candidate(rule.id, Verdict.WON))
                return Unroutable(
                    territory_ids=[t.id for t in hits],
                    reason=f"rule {rule.id!r} of version {self.rules.version}: {rule.manual}",
                    candidates=tuple(considered),
                    building=building,
                )
            else:
                verdict = self._check_executor(executor, appeal)
            if verdict is not None or executor is None:
                considered.append(Candidate(rule.id, verdict or Verdict.NO_EXECUTOR))
                continue
            considered.append(Candidate(rule.id, Verdict.WON))
            return Routed(
                executor_id=executor,
                executor_name=self.executor_names[executor],
                rule=rule,
                rule_set_version=self.rules.version,
                category=appeal.category,
                group=self.category_groups.get(appeal.category),
                territory=territory,
                territory_ids=[t.id for t in hits],
                candidates=tuple(considered),
                building=building,
            )
        where = ", ".join(t.id for t in hits) or "no known territory"
        return Unroutable(
            territory_ids=[t.id for t in hits],
            reason=(
                f"no rule of version {self.rules.version} routes category {appeal.category!r}"
                f" (group {self.category_groups.get(appeal.category)!r}) at {where}"
                + (
                    f" to anyone but {', '.join(sorted(appeal.excluded_executors))}"
                    if appeal.excluded_executors
                    else ""
                )
            ),
            candidates=tuple(considered),
            building=building,
        )

    def _check_executor(self, executor: str | None, appeal: AppealToRoute) -> Verdict | None:
        if executor is None:
            return Verdict.NO_EXECUTOR
        if executor in appeal.excluded_executors:
            return Verdict.EXCLUDED
        if executor not in self.executor_names:
            return Verdict.UNKNOWN_EXECUTOR
        return None
