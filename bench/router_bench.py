"""Routing decisions per second on one core: the router against a naive linear scan.

    uv run python bench/router_bench.py [--appeals 20000] [--naive-appeals 300]

A synthetic city of 10,000 territory polygons (1 municipality, 100 districts, 9,880
management-company territories, 19 zones), 100,000 registered buildings and 1,000 rules.
The naive router tests every polygon and walks every rule for each appeal; both must give
the same decisions, which the benchmark checks before timing.
"""

import argparse
import math
import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from shapely import Point, Polygon, prepare

from contracts.events import Channel
from router.domain.appeal import AppealToRoute
from router.domain.buildings import Building, BuildingRegistry
from router.domain.routing import Decision, Routed, Router
from router.domain.rules import Rule, RuleSet, TimeWindow
from router.domain.territories import Territory, TerritoryIndex, TerritoryKind

GRID = 100  # territories per side of the city
CELL = 0.01  # degrees
GROUPS = [f"g{i}" for i in range(10)]
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
    buildings = [
        Building(f"b-{n}", f"ул. Тестовая, д. {n}", f"mc-{rng.randrange(companies)}")
        for n in range(100_000)
    ]
    executors = {t.executor_id: t.executor_id for t in territories if t.executor_id}
    executors.update({f"fixed-{k}": f"fixed-{k}" for k in range(50)})
    return territories, buildings, executors


def build_rules(rng: random.Random, territories: Sequence[Territory]) -> RuleSet:
    zones = [t.id for t in territories if t.kind is TerritoryKind.ZONE]
    districts = [t.id for t in territories if t.kind is TerritoryKind.DISTRICT]
    rules: list[Rule] = []
    for n in range(994):  # specific rules first: zones, districts, night, channel
        kind = n % 4
        what: dict[str, object] = (
            {"categories": frozenset(rng.sample(sorted(CATEGORIES), 2))}
            if n % 2
            else {"groups": frozenset({rng.choice(GROUPS)})}
        )
        if kind == 0:
            rules.append(
                Rule(
                    id=f"r{n}", territory_id=rng.choice(zones), executor_from_territory=True, **what
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
        else:
            rules.append(
                Rule(
                    id=f"r{n}",
                    channels=frozenset({Channel.OPERATOR}),
                    executor=f"fixed-{n % 50}",
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
            id="district-any",
            groups=frozenset(GROUPS),
            territory_kind=TerritoryKind.DISTRICT,
            executor_from_territory=True,
        )
    )
    return RuleSet(version=1, timezone="UTC", rules=tuple(rules))


class NaiveRouter:
    """The same semantics without an index: every polygon, then every rule, in order."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.territories = router.territories.territories
        for t in self.territories:
            prepare(t.geometry)

    def executor(self, appeal: AppealToRoute) -> str | None:
        point = Point(appeal.lon, appeal.lat)
        hits = [t for t in self.territories if t.geometry.intersects(point)]
        building = self.router.buildings.find(appeal.building_id, appeal.address)
        if building:
            hits = [t for t in hits if t.kind is not TerritoryKind.MANAGEMENT_COMPANY]
            hits.append(next(t for t in self.territories if t.id == building.territory_id))
        group = self.router.category_groups.get(appeal.category)
        for rule in self.router.rules.rules:
            if appeal.category not in rule.categories and group not in rule.groups:
                continue
            territory = next((t for t in hits if rule.matches_territory(t)), None)
            if rule.territorial and territory is None:
                continue
            if rule.time_window and not rule.time_window.contains(appeal.submitted_at):
                continue
            if rule.channels and appeal.channel not in rule.channels:
                continue
            executor = rule.executor or (territory.executor_id if territory else None)
            if executor:
                return executor
        return None


def executor_of(decision: Decision) -> str | None:
    return decision.executor_id if isinstance(decision, Routed) else None


def appeals(rng: random.Random, count: int) -> list[AppealToRoute]:
    side = GRID * CELL
    start = datetime(2026, 11, 2, tzinfo=UTC)
    return [
        AppealToRoute(
            category=rng.choice(sorted(CATEGORIES)),
            lon=rng.uniform(0, side),
            lat=rng.uniform(0, side),
            channel=rng.choice(list(Channel)),
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
    args = parser.parse_args()
    rng = random.Random(args.seed)

    started = time.perf_counter()
    territories, buildings, executors = build_city(rng)
    rules = build_rules(rng, territories)
    router = Router(
        rules, TerritoryIndex(territories), CATEGORIES, executors, BuildingRegistry(buildings)
    )
    naive = NaiveRouter(router)
    built = time.perf_counter() - started
    sample = appeals(rng, args.appeals)

    mismatches = [
        a
        for a in sample[: args.naive_appeals]
        if executor_of(router.decide(a)) != naive.executor(a)
    ]
    assert not mismatches, f"router and naive scan disagree on {len(mismatches)} appeals"

    started = time.perf_counter()
    for appeal in sample:
        router.decide(appeal)
    fast = rate(len(sample), time.perf_counter() - started)

    started = time.perf_counter()
    for appeal in sample[: args.naive_appeals]:
        naive.executor(appeal)
    slow = rate(args.naive_appeals, time.perf_counter() - started)

    routed = sum(1 for a in sample[:2000] if isinstance(router.decide(a), Routed))
    print(
        f"city: {len(territories)} territories, {len(buildings)} buildings,"
        f" {len(rules.rules)} rules (built in {built:.1f} s)"
    )
    print(
        f"agreement: router == naive scan on {args.naive_appeals} appeals;"
        f" {routed / 20:.0f}% of appeals routed automatically"
    )
    print(f"router:     {fast:10,.0f} decisions/s  ({len(sample)} appeals)")
    print(f"naive scan: {slow:10,.0f} decisions/s  ({args.naive_appeals} appeals)")
    print(f"ratio:      {fast / slow:10,.0f}x")


if __name__ == "__main__":
    main()
