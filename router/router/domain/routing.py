"""Routing decisions (pure): which executor answers an appeal, and why.

The rule list is ordered and the first rule that fits wins. To stay fast with thousands
of rules, the router indexes the rules once by category, channel and hour of the week,
then by how they locate the appeal (its point, or the registered building it names) and by
the territory they need (an id, a kind, or none). A decision gathers only the rules whose
territory contains the appeal's place — its candidates — and checks them in rule order
against the time window, custom matchers and redirects.
"""

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from operator import itemgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from contracts.events import DEFAULT_CHANNELS
from router.domain.appeal import AppealToRoute
from router.domain.buildings import Building, BuildingRegistry
from router.domain.matchers import Matcher, MatcherFactory
from router.domain.rules import Locate, Rule, RuleSet
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
class Place:
    """Where a rule looks for the appeal: the territories containing it, and the building
    when the registry located it."""

    territories: Sequence[Territory]
    building: Building | None = None

    @property
    def territory_ids(self) -> list[str]:
        return [t.id for t in self.territories]

    def first_of_kind(self, kind: TerritoryKind) -> Territory | None:
        return next((t for t in self.territories if t.kind == kind), None)


@dataclass(frozen=True)
class Routed:
    executor_id: str
    executor_name: str
    rule: Rule
    rule_set_version: int
    category: str
    group: str | None
    territory: Territory | None
    """The territory the rule's filter matched."""
    territory_ids: list[str]
    candidates: tuple[Candidate, ...]
    building: Building | None = None
    """The registered building that located the appeal (None when the point did)."""
    executor_territory: Territory | None = None
    """The territory whose executor the rule took (`executor_from_territory`)."""

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
        if building is not None:
            where = f" at building {building.id!r} ({building.address})"
            if not building.managed:
                where += ", which no management company serves"
        if territory is not None:
            if building is not None and building.territory_id == territory.id:
                where += f", which the registry puts in {territory.kind} {territory.id!r}"
            else:
                where += f" inside {territory.kind} {territory.id!r}"
            where += f" ({territory.name})"
        source = "fixed executor"
        if (owner := self.executor_territory) is not None:
            source = f"the executor of {owner.kind} {owner.id!r} ({owner.name}),"
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


_Found = tuple[int, _Compiled, Territory | None, Place]
"""A candidate: (rule order, rule, the territory its filter matched, the place it saw) — a
plain tuple, as thousands are made per second."""


@dataclass
class _PlacedRules:
    """The rules of one category that locate the appeal one way, by the territory they
    need."""

    by_territory_id: dict[str, list[_Compiled]] = field(default_factory=lambda: defaultdict(list))
    by_kind: dict[TerritoryKind, list[_Compiled]] = field(default_factory=lambda: defaultdict(list))
    anywhere: list[_Compiled] = field(default_factory=list)

    def add(self, compiled: _Compiled) -> None:
        rule = compiled.rule
        if ids := rule.territory_filter_ids:
            for territory_id in ids:
                self.by_territory_id[territory_id].append(compiled)
        elif rule.territory_kind is not None:
            self.by_kind[rule.territory_kind].append(compiled)
        else:
            self.anywhere.append(compiled)

    def collect(self, found: list[_Found], place: Place) -> None:
        """Add the rules whose territory contains the place — once per such territory, in
        load order, so a kind filter sees every containing territory of its kind."""
        if self.anywhere:
            found.extend([(c.order, c, None, place) for c in self.anywhere])
        by_id, by_kind = self.by_territory_id, self.by_kind
        for territory in place.territories:
            if named := by_id.get(territory.id):
                found.extend(
                    [
                        (c.order, c, territory, place)
                        for c in named
                        if c.rule.matches_territory(territory)
                    ]
                )
            if of_kind := by_kind.get(territory.kind):
                found.extend([(c.order, c, territory, place) for c in of_kind])


@dataclass
class _CategoryRules:
    """The rules for one category (channel, hour of the week), by how they locate it."""

    by_locate: dict[Locate, _PlacedRules] = field(default_factory=dict)

    def add(self, compiled: _Compiled) -> None:
        locate = compiled.rule.locate
        self.by_locate.setdefault(locate, _PlacedRules()).add(compiled)

    def collect(self, found: list[_Found], places: Mapping[Locate, Place | None]) -> None:
        for locate, rules in self.by_locate.items():
            if (place := places[locate]) is not None:
                rules.collect(found, place)


_by_order = itemgetter(0)


ALWAYS = -1
"""Index slot of rules without a time window; windowed rules sit in the hours of the week
(0–167) their window touches."""

ANY_CHANNEL = "*"
"""Index slot of rules for every channel (not a valid channel id)."""


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
        channels: Collection[str] = DEFAULT_CHANNELS,
    ) -> None:
        factories = matchers or {}
        self.matchers = dict(factories)
        self.channels = tuple(channels)
        problems = rules.check_references(executor_names, factories, self.channels)
        if problems:
            raise RuleSetError([str(p) for p in problems])
        self.rules = rules
        self.territories = territories
        self.category_groups = dict(category_groups)
        self.executor_names = dict(executor_names)
        self.buildings = buildings or BuildingRegistry([])
        self._zone = ZoneInfo(rules.timezone)
        self._index: dict[tuple[str, str, int], _CategoryRules] = defaultdict(_CategoryRules)
        compiled_rules = [
            _Compiled(order, rule, self._matchers_of(rule, factories))
            for order, rule in enumerate(rules.rules)
        ]
        for compiled in compiled_rules:
            rule = compiled.rule
            slots = rule.time_window.hours_of_week() if rule.time_window else {ALWAYS}
            for category in self._categories_of(rule):
                for channel in rule.channels or {ANY_CHANNEL}:
                    for slot in slots:
                        self._index[category, channel, slot].add(compiled)

    @staticmethod
    def _matchers_of(rule: Rule, factories: Mapping[str, MatcherFactory]) -> tuple[Matcher, ...]:
        matchers = []
        for name, config in rule.when.items():
            try:
                matchers.append(factories[name](config))
            except (ValueError, TypeError, KeyError) as error:
                raise RuleSetError([f"rule {rule.id!r}: matcher {name!r}: {error}"]) from error
        return tuple(matchers)

    def with_rules(self, rules: RuleSet) -> "Router":
        """The same city under other rules (raises RuleSetError if they do not fit it)."""
        return Router(
            rules,
            self.territories,
            self.category_groups,
            self.executor_names,
            self.buildings,
            self.matchers,
            self.channels,
        )

    def _categories_of(self, rule: Rule) -> set[str]:
        in_groups = {c for c, g in self.category_groups.items() if g in rule.groups}
        return set(rule.categories) | in_groups

    def locate(self, appeal: AppealToRoute) -> Mapping[Locate, Place | None]:
        """The appeal's place for each way a rule may locate it."""
        point = Place(self.territories.containing(appeal.lon, appeal.lat))
        building = self.buildings.find(appeal.building_id, appeal.address)
        if building is None:
            return {Locate.POINT: point, Locate.BUILDING: None, Locate.BUILDING_ELSE_POINT: point}
        at_building = Place(self._territories_of(building, point), building)
        return {
            Locate.POINT: point,
            Locate.BUILDING: at_building,
            Locate.BUILDING_ELSE_POINT: at_building,
        }

    def _territories_of(self, building: Building, point: Place) -> list[Territory]:
        """The registry is authoritative for management companies: the building's company
        territory (none for an unmanaged building) replaces the polygons of that kind;
        other territories are those where the building stands (at the appeal's point when
        the registry does not know)."""
        where = (
            point.territories
            if building.lon is None or building.lat is None
            else self.territories.containing(building.lon, building.lat)
        )
        found = [t for t in where if t.kind is not TerritoryKind.MANAGEMENT_COMPANY]
        if building.territory_id and (
            registered := self.territories.by_id.get(building.territory_id)
        ):
            found.append(registered)
        return found

    def decide(self, appeal: AppealToRoute) -> Decision:
        places = self.locate(appeal)
        local = appeal.submitted_at.astimezone(self._zone)
        minute, weekday = local.hour * 60 + local.minute, local.isoweekday()
        found: list[_Found] = []
        slot = (weekday - 1) * 24 + local.hour
        index = self._index
        for channel in (appeal.channel, ANY_CHANNEL):
            for hour in (ALWAYS, slot):
                if rules := index.get((appeal.category, channel, hour)):
                    rules.collect(found, places)
        found.sort(key=_by_order)
        considered: list[Candidate] = []
        for _, compiled, territory, place in found:
            rule = compiled.rule
            owner = territory if rule.executor_from_territory is True else None
            if (kind := rule.executor_kind) is not None:
                owner = place.first_of_kind(kind)
            executor = rule.executor or (owner.executor_id if owner else None)
            if rule.time_window and not rule.time_window.contains_minute(minute, weekday):
                verdict: Verdict | None = Verdict.OUTSIDE_TIME_WINDOW
            elif compiled.matchers and not all(
                m(appeal, place.territories) for m in compiled.matchers
            ):
                verdict = Verdict.MATCHER_DECLINED
            elif rule.manual is not None:
                considered.append(Candidate(rule.id, Verdict.WON))
                return Unroutable(
                    territory_ids=place.territory_ids,
                    reason=f"rule {rule.id!r} of version {self.rules.version}: {rule.manual}",
                    candidates=tuple(considered),
                    building=place.building,
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
                territory_ids=place.territory_ids,
                candidates=tuple(considered),
                building=place.building,
                executor_territory=owner,
            )
        located = places[Locate.BUILDING_ELSE_POINT]
        assert located is not None
        where = ", ".join(located.territory_ids) or "no known territory"
        return Unroutable(
            territory_ids=located.territory_ids,
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
            building=located.building,
        )

    def _check_executor(self, executor: str | None, appeal: AppealToRoute) -> Verdict | None:
        if executor is None:
            return Verdict.NO_EXECUTOR
        if executor in appeal.excluded_executors:
            return Verdict.EXCLUDED
        if executor not in self.executor_names:
            return Verdict.UNKNOWN_EXECUTOR
        return None
