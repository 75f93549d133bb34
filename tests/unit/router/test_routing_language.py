"""The routing language's second edition: what locates an appeal (building or point),
buildings no company manages, executors taken from a containing territory of a kind, kind
filters over every containing territory, lists of territory ids, and city channels."""

from typing import Any

import pytest
from shapely.geometry import box

from contracts.events import DEFAULT_CHANNELS
from router.domain.appeal import AppealToRoute
from router.domain.buildings import Building, BuildingRegistry
from router.domain.routing import Routed, Router, RuleSetError, Unroutable, Verdict
from router.domain.territories import Territory, TerritoryIndex, TerritoryKind
from router.rules_file import RuleFileError, locate_problems, parse_rule_set

MC, DISTRICT, ZONE = (
    TerritoryKind.MANAGEMENT_COMPANY,
    TerritoryKind.DISTRICT,
    TerritoryKind.ZONE,
)
# x: 0 ─ west district ─ 5 ─ east district ─ 10; company A 0–3, company B 3–7 (across the
# district edge), nobody's 7–10. Zones: a centre (no executor) 0–10 × 6–10 holding a park
# 1–2 × 7–8; a square 8–9 × 7–8; a road 0–10 × 4–4.2.
TERRITORIES = TerritoryIndex(
    [
        Territory("city", TerritoryKind.MUNICIPALITY, "City", "mayor", box(0, 0, 10, 10)),
        Territory("west", DISTRICT, "West", "adm-west", box(0, 0, 5, 10)),
        Territory("east", DISTRICT, "East", "adm-east", box(5, 0, 10, 10)),
        Territory("mc-a", MC, "Company A", "uk-a", box(0, 0, 3, 10)),
        Territory("mc-b", MC, "Company B", "uk-b", box(3, 0, 7, 10)),
        Territory("centre", ZONE, "Centre", None, box(0, 6, 10, 10)),
        Territory("park", ZONE, "Park", "parks", box(1, 7, 2, 8)),
        Territory("square", ZONE, "Square", "squares", box(8, 7, 9, 8)),
        Territory("road", ZONE, "Main road", "roads", box(0, 4, 10, 4.2)),
    ]
)
EXECUTORS = {
    e: e.title()
    for e in ("mayor", "adm-west", "adm-east", "uk-a", "uk-b", "parks", "squares", "roads")
}
GROUPS = {"pothole": "roads", "stairwell": "housing", "tree": "greenery"}
BUILDINGS = [
    Building("b-in-b", "ул. Береговая, 1", "mc-b"),  # registered to B, wherever it is
    Building("b-owned", "ул. Садовая, 3", None),  # owners manage it
    Building("b-owned-east", "ул. Садовая, 5", None, lon=6, lat=1),  # stands in the east
]


def router(rules: str, channels: tuple[str, ...] = DEFAULT_CHANNELS) -> Router:
    return Router(
        parse_rule_set(f"version: 1\nrules:\n{rules}"),
        TERRITORIES,
        GROUPS,
        EXECUTORS,
        BuildingRegistry(BUILDINGS),
        channels=channels,
    )


def routed(r: Router, category: str, lon: float, lat: float = 1, **kwargs: Any) -> Routed:
    decision = r.decide(AppealToRoute(category, lon, lat, **kwargs))
    assert isinstance(decision, Routed), decision.explanation
    return decision


BY_COMPANY = """
  - id: by-company
    groups: [housing, roads]
    locate: {locate}
    territory_kind: management_company
    executor_from_territory: true
  - id: fallback
    groups: [housing, roads]
    executor: mayor
"""


@pytest.mark.parametrize(
    ("locate", "building_id", "executor"),
    [
        ("point", "b-in-b", "uk-a"),  # the point is in A's polygon; the building ignored
        ("building", "b-in-b", "uk-b"),  # the registry puts the building with B
        ("building_else_point", "b-in-b", "uk-b"),
        ("building", None, "mayor"),  # no building named: the rule does not apply
        ("building", "not-registered", "mayor"),
        ("building_else_point", None, "uk-a"),  # no building: the point
        ("point", None, "uk-a"),
    ],
)
def test_a_rule_says_what_locates_the_appeal(
    locate: str, building_id: str | None, executor: str
) -> None:
    r = router(BY_COMPANY.format(locate=locate))
    decision = routed(r, "stairwell", lon=1, building_id=building_id)
    assert decision.executor_id == executor
    if executor == "uk-b":
        assert decision.building is not None
        assert "at building 'b-in-b'" in decision.explanation
        assert "registry puts in management_company 'mc-b'" in decision.explanation
    else:
        assert decision.building is None


def test_without_locate_a_rule_takes_the_building_and_else_the_point() -> None:
    rules = """
  - id: by-company
    groups: [housing]
    territory_kind: management_company
    executor_from_territory: true
"""
    r = router(rules)
    assert routed(r, "stairwell", lon=1, building_id="b-in-b").executor_id == "uk-b"
    assert routed(r, "stairwell", lon=1).executor_id == "uk-a"


HOUSING = """
  - id: by-company
    groups: [housing]
    territory_kind: management_company
    executor_from_territory: true
  - id: owner-managed-to-district
    groups: [housing]
    locate: building
    executor_from_territory: district
"""


def test_a_building_no_company_manages_goes_to_its_district_administration() -> None:
    r = router(HOUSING)
    # The point lies in company A's polygon, but the registry says nobody manages it.
    decision = routed(r, "stairwell", lon=1, address="Садовая ул., д. 3")
    assert decision.executor_id == "adm-west"
    assert decision.rule.id == "owner-managed-to-district"
    assert decision.candidates[0].rule_id == "owner-managed-to-district"  # by-company unmet
    assert decision.executor_territory is not None
    assert decision.executor_territory.id == "west"
    assert "no management company serves" in decision.explanation
    assert "the executor of district 'west' (West)" in decision.explanation


def test_a_registered_place_of_the_building_wins_over_the_point() -> None:
    # Reported from the west (lon 1), about a building the registry places in the east.
    decision = routed(router(HOUSING), "stairwell", lon=1, building_id="b-owned-east")
    assert decision.executor_id == "adm-east"


def test_an_unregistered_address_is_located_by_its_point() -> None:
    decision = routed(router(HOUSING), "stairwell", lon=1, address="ул. Неизвестная, 9")
    assert (decision.rule.id, decision.executor_id) == ("by-company", "uk-a")


def test_the_executor_may_come_from_the_district_containing_the_point() -> None:
    rules = """
  - id: roads-by-district
    groups: [roads]
    locate: point
    executor_from_territory: district
"""
    r = router(rules)
    assert routed(r, "pothole", lon=4.9).executor_id == "adm-west"
    assert routed(r, "pothole", lon=5.1).executor_id == "adm-east"


def test_a_kind_filter_sees_every_containing_territory_of_its_kind() -> None:
    rules = """
  - id: greenery-by-zone
    groups: [greenery]
    locate: point
    territory_kind: zone
    executor_from_territory: true
  - id: greenery-by-district
    groups: [greenery]
    locate: point
    executor_from_territory: district
"""
    r = router(rules)
    # Inside the centre (first zone in load order, no executor) and the park.
    in_park = routed(r, "tree", lon=1.5, lat=7.5)
    assert (in_park.executor_id, in_park.territory and in_park.territory.id) == ("parks", "park")
    assert in_park.candidates[0].verdict is Verdict.NO_EXECUTOR  # the centre
    assert routed(r, "tree", lon=8.5, lat=7.5).executor_id == "squares"
    assert routed(r, "tree", lon=4, lat=9).executor_id == "adm-west"  # centre only


def test_a_rule_may_name_a_list_of_territories() -> None:
    rules = """
  - id: green-spaces
    groups: [greenery]
    territory_ids: [park, square]
    executor: parks
  - id: elsewhere
    groups: [greenery]
    executor: mayor
"""
    r = router(rules)
    assert routed(r, "tree", lon=1.5, lat=7.5).executor_id == "parks"
    assert routed(r, "tree", lon=8.5, lat=7.5).executor_id == "parks"
    assert routed(r, "tree", lon=5, lat=4.1).executor_id == "mayor"  # the road


def test_a_list_and_a_kind_together_need_both() -> None:
    rules = """
  - id: zones-only
    groups: [greenery]
    territory_kind: zone
    territory_ids: [park, west]
    executor: parks
"""
    r = router(rules)
    assert routed(r, "tree", lon=1.5, lat=7.5).executor_id == "parks"
    assert isinstance(r.decide(AppealToRoute("tree", 1, 1)), Unroutable)  # west, no zone


def test_rules_for_city_channels() -> None:
    rules = """
  - id: hotline
    groups: [roads]
    channels: [phone]
    executor: roads
  - id: other
    groups: [roads]
    executor: mayor
"""
    with pytest.raises(RuleSetError, match="declares no channel 'phone'"):
        router(rules)
    r = router(rules, channels=(*DEFAULT_CHANNELS, "phone"))
    assert routed(r, "pothole", lon=1, channel="phone").executor_id == "roads"
    assert routed(r, "pothole", lon=1, channel="web").executor_id == "mayor"


@pytest.mark.parametrize(
    ("rule", "line", "message"),
    [
        ("    locate: address\n", 5, "locate: Input should be 'point', 'building'"),
        ("    executor_from_territory: distrct\n", 5, "executor_from_territory"),
        ("    channels: [Phone Line]\n", 5, "channels"),
        ("    territory_id: park\n    territory_ids: [square]\n", 3, "not both"),
    ],
)
def test_errors_in_the_new_fields_name_their_line(rule: str, line: int, message: str) -> None:
    document = f"version: 1\nrules:\n  - id: r\n    groups: [greenery]\n{rule}    executor: parks\n"
    with pytest.raises(RuleFileError) as raised:
        parse_rule_set(document, "rules.yaml")
    assert any(
        p.startswith(f"rules.yaml:{line}:") and message in p for p in raised.value.problems
    ), raised.value.problems


def test_taking_the_executor_from_the_matched_territory_needs_a_filter() -> None:
    with pytest.raises(RuleFileError, match="needs `territory_kind`"):
        parse_rule_set(
            "version: 1\nrules:\n  - id: r\n    groups: [roads]\n"
            "    executor_from_territory: true\n"
        )


def test_names_the_city_lacks_are_reported_at_their_line() -> None:
    text = (
        "version: 2\n"
        "rules:\n"
        "  - id: hotline\n"
        "    groups: [roads]\n"
        "    channels: [web, fax]\n"
        "    territory_ids: [road, nowhere]\n"
        "    executor: roads\n"
        "  - id: other\n"
        "    groups: [roads]\n"
        "    executor: nobody\n"
    )
    rules = parse_rule_set(text, "draft.yaml")
    problems = rules.check_references(EXECUTORS, {}, DEFAULT_CHANNELS, TERRITORIES.by_id)
    assert locate_problems(text, "draft.yaml", problems) == [
        "draft.yaml:5: rules[0].channels: the city declares no channel 'fax'"
        f" (it has {', '.join(sorted(DEFAULT_CHANNELS))})",
        "draft.yaml:6: rules[0].territory_ids: unknown territory 'nowhere'",
        "draft.yaml:10: rules[1].executor: unknown executor 'nobody'",
    ]
