"""Routing decisions per second on one core: the router against a naive linear scan.

    uv run python bench/router_bench.py [--appeals 20000] [--naive-appeals 300] [--rounds 5]

A synthetic city of 10,000 territory polygons (1 municipality, 100 districts, 9,880
management-company territories, 19 zones), 100,000 registered buildings (a tenth with no
management company, a third placed by coordinates), seven channels (the defaults and a
city's `phone`) and 1,000 rules using every feature of the language: lists of territory
ids, kind filters, rules located by point or by building, executors taken from the
containing district, time windows, channels and manual-queue rules.
The naive router tests every polygon and walks every rule for each appeal; both must give
the same decisions (executor and rule), which the benchmark checks before timing.
"""

import argparse
import math
import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from shapely import Point, Polygon, prepare

from contracts.events import DEFAULT_CHANNELS
from router.domain.appeal import AppealToRoute
from router.domain.buildings import Building, BuildingRegistry
from router.domain.routing import Decision, Routed, Router, Verdict
from router.domain.rules import Locate, Rule, RuleSet, TimeWindow
from router.domain.territories import Territory, TerritoryIndex, TerritoryKind

GRID = 100  # territories per side of the city
CELL = 0.01  # degrees
GROUPS = [f"g{i}" for i in range(10)]
CHANNELS = (*DEFAULT_CHANNELS, "phone")
CATEGORIES = {f"c{i}": GROUPS[i % len(GROUPS)] for i in range(50)}


def octagon(cx: float, cy: float, r: float) -> Polygon:
    return Polygon(
        [(cx + r * math.cos(a), cy + r * math.sin(a)) for a in (i * math.pi / 4 for i in range(8))]
    )


def build_city(rng: random.Random) -> tuple[list[Territory], list[Building], dict[str, str]]:
    side = GRID * CELL
    territories = [
        Territory(
            "city",
            TerritoryKind.MUNICIPALITY,
            "City",
            None,
            Polygon([(0, 0), (side, 0), (side, side), (0, side)]),
        )
    ]
    for i in range(10):
        for j in range(10):
            x, y = i * side / 10, j * side / 10
            territories.append(
                Territory(
                    f"district-{i}-{j}",
                    TerritoryKind.DISTRICT,
                    f"District {i}-{j}",
                    f"adm-{i}-{j}",
                    Polygon(
                        [
                            (x, y),
                            (x + side / 10, y),
                            (x + side / 10, y + side / 10),
                            (x, y + side / 10),
                        ]
                    ),
                )
            )
    for k in range(19):
        cx, cy = rng.uniform(0, side), rng.uniform(0, side)
        territories.append(
            Territory(
                f"zone-{k}", TerritoryKind.ZONE, f"Zone {k}", f"dept-{k}", octagon(cx, cy, 0.05)
            )
        )
    companies = 9_880
    for n in range(companies):
        i, j = divmod(n, GRID)
        cx, cy = (i + 0.5) * CELL, (j + 0.5) * CELL
        territories.append(
            Territory(
                f"mc-{n}",
                TerritoryKind.MANAGEMENT_COMPANY,
                f"Company {n}",
                f"uk-{n % 700}",
                octagon(cx, cy, CELL * 0.49),
            )
        )
    buildings = []
    for n in range(100_000):
        managed = rng.random() >= 0.1
        placed = rng.random() < 0.3
        buildings.append(
            Building(
                f"b-{n}",
                f"ул. Тестовая, д. {n}",
                f"mc-{rng.randrange(companies)}" if managed else None,
                lon=rng.uniform(0, side) if placed else None,
                lat=rng.uniform(0, side) if placed else None,
            )
        )
    executors = {t.executor_id: t.executor_id for t in territories if t.executor_id}
    executors.update({f"fixed-{k}": f"fixed-{k}" for k in range(50)})
    return territories, buildings, executors


def build_rules(rng: random.Random, territories: Sequence[Territory]) -> RuleSet:
    zones = [t.id for t in territories if t.kind is TerritoryKind.ZONE]
    districts = [t.id for t in territories if t.kind is TerritoryKind.DISTRICT]
    rules: list[Rule] = []
    for n in range(993):  # specific rules first: zones, districts, night, channel, …
        kind = n % 6
        what: dict[str, object] = (
            {"categories": frozenset(rng.sample(sorted(CATEGORIES), 2))}
            if n % 2
            else {"groups": frozenset({rng.choice(GROUPS)})}
        )
        if kind == 0:
            rules.append(
                Rule(
                    id=f"r{n}",
                    locate=Locate.POINT,
                    territory_ids=frozenset(rng.sample(zones, 3)),
                    executor_from_territory=True,
                    **what,
                )
            )
        elif kind == 1:
            rules.append(
                Rule(
                    id=f"r{n}",
                    territory_id=rng.choice(districts),
                    executor=f"fixed-{n % 50}",
                    **what,
                )
            )
        elif kind == 2:
            window = TimeWindow.model_validate({"from": "22:00", "to": "06:00"})
            rules.append(Rule(id=f"r{n}", time_window=window, executor=f"fixed-{n % 50}", **what))
        elif kind == 3:
            rules.append(
                Rule(
                    id=f"r{n}",
                    channels=frozenset({"phone", "operator"}),
                    executor=f"fixed-{n % 50}",
                    **what,
                )
            )
        elif kind == 4:
            rules.append(
                Rule(
                    id=f"r{n}",
                    locate=Locate.POINT,
                    territory_kind=TerritoryKind.ZONE,
                    executor_from_territory=TerritoryKind.DISTRICT,
                    **what,
                )
            )
        else:
            rules.append(
                Rule(
                    id=f"r{n}",
                    territory_ids=frozenset(rng.sample(zones, 2)),
                    manual=f"zone rule {n}: an operator decides",
                    **what,
                )
            )
    for g in GROUPS[:5]:  # general fallbacks last
        rules.append(
            Rule(
                id=f"mc-{g}",
                groups=frozenset({g}),
                territory_kind=TerritoryKind.MANAGEMENT_COMPANY,
                executor_from_territory=True,
            )
        )
        rules.append(
            Rule(
                id=f"unmanaged-{g}",
                groups=frozenset({g}),
                locate=Locate.BUILDING,
                executor_from_territory=TerritoryKind.DISTRICT,
            )
        )
    rules.append(
        Rule(
            id="district-any",
            groups=frozenset(GROUPS),
            locate=Locate.POINT,
            executor_from_territory=TerritoryKind.DISTRICT,
        )
    )
    return RuleSet(version=1, timezone="UTC", rules=tuple(rules))


Outcome = tuple[str | None, str | None]
"""(executor, rule): (None, rule) is a manual rule, (None, None) no rule at all."""


class NaiveRouter:
    """The same semantics without an index: every polygon, then every rule, in order."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.territories = router.territories.territories
        self.by_id = {t.id: t for t in self.territories}
        for t in self.territories:
            prepare(t.geometry)

    def _containing(self, lon: float, lat: float) -> list[Territory]:
        point = Point(lon, lat)
        return [t for t in self.territories if t.geometry.intersects(point)]

    def decide(self, appeal: AppealToRoute) -> Outcome:
        at_point = self._containing(appeal.lon, appeal.lat)
        at_building: list[Territory] | None = None
        building = self.router.buildings.find(appeal.building_id, appeal.address)
        if building:
            where = at_point
            if building.lon is not None and building.lat is not None:
                where = self._containing(building.lon, building.lat)
            at_building = [t for t in where if t.kind is not TerritoryKind.MANAGEMENT_COMPANY]
            if building.territory_id:
                at_building.append(self.by_id[building.territory_id])
        group = self.router.category_groups.get(appeal.category)
        for rule in self.router.rules.rules:
            if appeal.category not in rule.categories and group not in rule.groups:
                continue
            if rule.channels and appeal.channel not in rule.channels:
                continue
            if rule.time_window and not rule.time_window.contains(appeal.submitted_at):
                continue
            hits = at_point if rule.locate is Locate.POINT else at_building
            if hits is None and rule.locate is Locate.BUILDING_ELSE_POINT:
                hits = at_point
            if hits is None:
                continue
            matched = [t for t in hits if rule.matches_territory(t)] if rule.territorial else [None]
            for territory in matched:
                if rule.manual is not None:
                    return None, rule.id
                owner = territory if rule.executor_from_territory is True else None
                if rule.executor_kind is not None:
                    owner = next((t for t in hits if t.kind == rule.executor_kind), None)
                executor = rule.executor or (owner.executor_id if owner else None)
                if executor:
                    return executor, rule.id
        return None, None


def outcome(decision: Decision) -> Outcome:
    if isinstance(decision, Routed):
        return decision.executor_id, decision.rule.id
    won = [c.rule_id for c in decision.candidates if c.verdict is Verdict.WON]
    return None, won[0] if won else None


def appeals(rng: random.Random, count: int) -> list[AppealToRoute]:
    side = GRID * CELL
    start = datetime(2026, 11, 2, tzinfo=UTC)
    return [
        AppealToRoute(
            category=rng.choice(sorted(CATEGORIES)),
            lon=rng.uniform(0, side),
            lat=rng.uniform(0, side),
            channel=rng.choice(CHANNELS),
            submitted_at=start + timedelta(minutes=rng.randrange(7 * 24 * 60)),
            building_id=f"b-{rng.randrange(100_000)}" if rng.random() < 0.3 else None,
        )
        for _ in range(count)
    ]


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--appeals", type=int, default=20_000)
    parser.add_argument("--naive-appeals", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    started = time.perf_counter()
    territories, buildings, executors = build_city(rng)
    rules = build_rules(rng, territories)
    router = Router(
        rules,
        TerritoryIndex(territories),
        CATEGORIES,
        executors,
        BuildingRegistry(buildings),
        channels=CHANNELS,
    )
    naive = NaiveRouter(router)
    built = time.perf_counter() - started
    sample = appeals(rng, args.appeals)

    mismatches = [
        a for a in sample[: args.naive_appeals] if outcome(router.decide(a)) != naive.decide(a)
    ]
    assert not mismatches, f"router and naive scan disagree on {len(mismatches)} appeals"

    # Interleaved rounds, best of each: a busy neighbour slows both sides alike.
    fast = slow = 0.0
    slices = args.rounds
    for k in range(slices):
        part = sample[k * len(sample) // slices : (k + 1) * len(sample) // slices]
        started = time.perf_counter()
        for appeal in part:
            router.decide(appeal)
        fast = max(fast, rate(len(part), time.perf_counter() - started))
        naive_part = sample[: args.naive_appeals][k::slices]
        started = time.perf_counter()
        for appeal in naive_part:
            naive.decide(appeal)
        slow = max(slow, rate(len(naive_part), time.perf_counter() - started))

    outcomes = [outcome(router.decide(a)) for a in sample[:2000]]
    routed = sum(1 for executor, _ in outcomes if executor)
    manual = sum(1 for executor, rule in outcomes if rule and not executor)
    print(
        f"city: {len(territories)} territories, {len(buildings)} buildings,"
        f" {len(rules.rules)} rules (built in {built:.1f} s)"
    )
    print(
        f"agreement: router == naive scan on {args.naive_appeals} appeals;"
        f" {routed / 20:.0f}% of appeals routed automatically, {manual / 20:.0f}% sent to"
        " the manual queue by a rule"
    )
    print(
        f"router:     {fast:10,.0f} decisions/s  ({len(sample)} appeals, best of {slices} rounds)"
    )
    print(
        f"naive scan: {slow:10,.0f} decisions/s  ({args.naive_appeals} appeals,"
        f" best of {slices} rounds)"
    )
    print(f"ratio:      {fast / slow:10,.0f}x")


if __name__ == "__main__":
    main()
