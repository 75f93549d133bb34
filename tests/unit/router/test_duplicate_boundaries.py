"""A duplicate never crosses a routing boundary: a new appeal follows an open original only
when the rules in force send both to the same executor (and, where both name a building,
the same building) — on each side of a building, a company's edge, a park's edge, and of
the radius."""

import math
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from shapely.geometry import box

from router.domain.appeal import AppealToRoute
from router.domain.buildings import Building, BuildingRegistry
from router.domain.duplicates import DuplicatePolicy, OpenAppeal, find_same_problem
from router.domain.routing import Router
from router.domain.territories import Territory, TerritoryIndex, TerritoryKind
from router.rules_file import parse_rule_set

LAT0, LON0 = 62.03, 129.70
M_LAT = 1 / 111_195
M_LON = M_LAT / math.cos(math.radians(LAT0))
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
POLICY = DuplicatePolicy(radius_m=50, window=timedelta(days=14))


def area(west_m: float, south_m: float, east_m: float, north_m: float) -> box:
    return box(
        LON0 + west_m * M_LON, LAT0 + south_m * M_LAT, LON0 + east_m * M_LON, LAT0 + north_m * M_LAT
    )


# Company A west of x = 0, company B east of it; a park 200–400 m east; one district.
CITY = TerritoryIndex(
    [
        Territory(
            "district", TerritoryKind.DISTRICT, "District", "adm", area(-1e3, -1e3, 1e3, 1e3)
        ),
        Territory("mc-a", TerritoryKind.MANAGEMENT_COMPANY, "A", "uk-a", area(-1e3, -1e3, 0, 1e3)),
        Territory("mc-b", TerritoryKind.MANAGEMENT_COMPANY, "B", "uk-b", area(0, -1e3, 1e3, 1e3)),
        Territory("park", TerritoryKind.ZONE, "Park", "parks", area(200, -100, 400, 100)),
    ]
)
RULES = """
version: 3
rules:
  - id: housing-by-company
    groups: [housing]
    territory_kind: management_company
    executor_from_territory: true
  - id: trees-in-park
    groups: [greenery]
    locate: point
    territory_id: park
    executor_from_territory: true
  - id: trees-by-district
    groups: [greenery]
    locate: point
    executor_from_territory: district
"""
BUILDINGS = [
    Building("b1", "ул. Первая, 1", "mc-b"),
    Building("b2", "ул. Первая, 3", "mc-b"),
    Building("b-of-a", "ул. Первая, 5", "mc-a"),  # stands in B's polygon, served by A
]
ROUTER = Router(
    parse_rule_set(RULES),
    CITY,
    {"stairwell": "housing", "tree": "greenery"},
    {e: e for e in ("adm", "uk-a", "uk-b", "parks")},
    BuildingRegistry(BUILDINGS),
)


def at(x_m: float, category: str, building_id: str | None = None) -> AppealToRoute:
    """An appeal `x_m` metres east of the companies' edge."""
    return AppealToRoute(
        category, LON0 + x_m * M_LON, LAT0, submitted_at=NOW, building_id=building_id
    )


def links(original: AppealToRoute, new: AppealToRoute) -> bool:
    """Whether `new` is linked to `original` (open, reported a day earlier)."""
    earlier = OpenAppeal(
        uuid4(),
        original.category,
        original.lat,
        original.lon,
        NOW - timedelta(days=1),
        building_id=original.building_id,
    )
    found = find_same_problem(ROUTER, new, ROUTER.decide(new), [earlier], POLICY)
    return found is not None


@pytest.mark.parametrize(
    ("original", "new", "linked"),
    [
        # Both name a building: the same one is the same problem, another one is not.
        (at(100, "stairwell", "b1"), at(110, "stairwell", "b2"), False),
        (at(100, "stairwell", "b1"), at(110, "stairwell", "b1"), True),
        (at(100, "stairwell", "b1"), at(149, "stairwell", "b1"), True),  # just inside
        (at(100, "stairwell", "b1"), at(151, "stairwell", "b1"), False),  # just outside
        # Only one names a building: linked only when it goes where the other's point does.
        (at(100, "stairwell", "b-of-a"), at(110, "stairwell"), False),  # A vs B's polygon
        (at(100, "stairwell"), at(110, "stairwell", "b-of-a"), False),
        (at(100, "stairwell", "b1"), at(110, "stairwell"), True),  # B both ways
        (at(100, "stairwell"), at(149, "stairwell", "b1"), True),
        (at(100, "stairwell"), at(151, "stairwell", "b1"), False),
        # The circle crosses the edge between two companies' territories.
        (at(-10, "stairwell"), at(10, "stairwell"), False),
        (at(-49, "stairwell"), at(-1, "stairwell"), True),  # both with A, 48 m apart
        (at(1, "stairwell"), at(49, "stairwell"), True),  # both with B
        (at(1, "stairwell"), at(52, "stairwell"), False),  # with B, 51 m apart
        # The circle reaches into a park.
        (at(190, "tree"), at(210, "tree"), False),  # district vs park
        (at(210, "tree"), at(190, "tree"), False),
        (at(210, "tree"), at(259, "tree"), True),  # both in the park
        (at(150, "tree"), at(199, "tree"), True),  # both outside it
        (at(210, "tree"), at(261, "tree"), False),  # in the park, 51 m apart
    ],
)
def test_a_duplicate_never_crosses_a_routing_boundary(
    original: AppealToRoute, new: AppealToRoute, linked: bool
) -> None:
    assert links(original, new) is linked


def test_the_nearest_original_of_the_same_problem_wins_over_a_nearer_other_one() -> None:
    new = at(10, "stairwell")
    across = OpenAppeal(uuid4(), "stairwell", LAT0, LON0 - 5 * M_LON, NOW - timedelta(days=1))
    same = OpenAppeal(uuid4(), "stairwell", LAT0, LON0 + 40 * M_LON, NOW - timedelta(days=1))
    found = find_same_problem(ROUTER, new, ROUTER.decide(new), [across, same], POLICY)
    assert found is not None
    assert found.appeal == same
    assert "send both to 'uk-b'" in found.explanation(POLICY)


def test_an_appeal_the_rules_send_to_nobody_repeats_nothing() -> None:
    unroutable = AppealToRoute("stairwell", LON0 + 2e3 * M_LON, LAT0, submitted_at=NOW)
    earlier = OpenAppeal(uuid4(), "stairwell", unroutable.lat, unroutable.lon, NOW)
    assert (
        find_same_problem(ROUTER, unroutable, ROUTER.decide(unroutable), [earlier], POLICY) is None
    )
