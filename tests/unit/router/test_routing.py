"""The router decides like the demo city's independently computed expectations."""

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from shapely.geometry import box

from router.city import CityError, read_city
from router.domain.appeal import AppealToRoute
from router.domain.routing import Routed, Router, RuleSetError, Unroutable
from router.domain.rules import Rule, RuleSet
from router.domain.territories import Territory, TerritoryIndex, TerritoryKind
from router.store.repository import build_router

CITY = Path(__file__).resolve().parents[3] / "deploy" / "demo-city"


def demo_router() -> Router:
    city, rules = read_city(CITY)
    return build_router(rules, city)


def expectations() -> list[tuple[str, str, dict[str, Any], Any]]:
    points = json.loads((CITY / "test_points.json").read_text())
    return [
        (p["id"], category, p, expected)
        for p in points
        for category, expected in p["routes"].items()
    ]


ROUTER = demo_router()
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Asia/Yakutsk"))
"""When the expectations hold: the demo's time windows are at night."""


@pytest.mark.parametrize(
    ("point_id", "category", "point", "expected"),
    expectations(),
    ids=[f"{e[0]}-{e[1]}" for e in expectations()],
)
def test_demo_city_routes_as_expected(
    point_id: str, category: str, point: dict[str, Any], expected: dict[str, str | None]
) -> None:
    decision = ROUTER.decide(AppealToRoute(category, point["lon"], point["lat"], submitted_at=NOON))
    if expected["executor"] is None:
        assert isinstance(decision, Unroutable)
        assert (expected["rule"] or category) in decision.reason
    else:
        assert isinstance(decision, Routed)
        assert (decision.executor_id, decision.rule.id) == (expected["executor"], expected["rule"])
        assert decision.rule.id in decision.explanation
        assert set(point["territories"]) == set(decision.territory_ids)


def test_first_matching_rule_wins_over_a_later_one() -> None:
    square = box(0, 0, 1, 1)
    router = Router(
        rules=RuleSet(
            version=3,
            rules=(
                Rule(id="zone-first", categories=frozenset({"c"}), territory_id="z", executor="a"),
                Rule(id="anywhere", categories=frozenset({"c"}), executor="b"),
            ),
        ),
        territories=TerritoryIndex([Territory("z", TerritoryKind.ZONE, "Z", None, square)]),
        category_groups={"c": "g"},
        executor_names={"a": "A", "b": "B"},
    )
    inside = router.decide(AppealToRoute("c", 0.5, 0.5))
    outside = router.decide(AppealToRoute("c", 5, 5))
    assert isinstance(inside, Routed)
    assert inside.executor_id == "a"
    assert isinstance(outside, Routed)
    assert outside.executor_id == "b"
    assert "version 3" in outside.explanation


def test_a_rule_may_send_appeals_to_the_manual_queue_with_its_reason() -> None:
    """An explicit manual rule stops the search there, so later fallbacks never catch
    what the city wants an operator to decide."""
    square = box(0, 0, 1, 1)
    router = Router(
        rules=RuleSet(
            version=4,
            rules=(
                Rule(
                    id="park-events",
                    categories=frozenset({"c"}),
                    territory_id="park",
                    manual="events in the park: the duty operator decides",
                ),
                Rule(id="anywhere", categories=frozenset({"c"}), executor="b"),
            ),
        ),
        territories=TerritoryIndex([Territory("park", TerritoryKind.ZONE, "Park", None, square)]),
        category_groups={"c": "g"},
        executor_names={"b": "B"},
    )
    inside = router.decide(AppealToRoute("c", 0.5, 0.5))
    assert isinstance(inside, Unroutable)
    assert (
        inside.reason
        == "rule 'park-events' of version 4: events in the park: the duty operator decides"
    )
    assert [c.rule_id for c in inside.candidates] == ["park-events"]
    assert isinstance(router.decide(AppealToRoute("c", 5, 5)), Routed)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"id": "r", "executor": "a"}, "exactly one of `categories` or `groups`"),
        ({"id": "r", "categories": ["c"], "groups": ["g"], "executor": "a"}, "exactly one of"),
        ({"id": "r", "categories": ["c"]}, "exactly one of `executor`"),
        (
            {"id": "r", "categories": ["c"], "executor_from_territory": True},
            "needs `territory_kind`",
        ),
        ({"id": "r", "categories": ["c"], "executor": "a", "colour": "red"}, "Extra inputs"),
        ({"id": "r", "categories": ["c"], "executor": "a", "manual": "why"}, "exactly one of"),
        ({"id": "r", "categories": ["c"], "manual": ""}, "at least 1 character"),
    ],
)
def test_malformed_rules_are_refused_with_the_reason(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RuleSet.model_validate({"version": 1, "rules": [rule]})


def test_duplicate_rule_ids_are_refused() -> None:
    rule = {"id": "same", "categories": ["c"], "executor": "a"}
    with pytest.raises(ValidationError, match="appears twice"):
        RuleSet.model_validate({"version": 1, "rules": [rule, rule]})


def test_a_city_naming_unknown_executors_is_refused(tmp_path: Path) -> None:
    for name in ("territories.geojson", "categories.json", "rules.yaml", "buildings.csv"):
        (tmp_path / name).write_text((CITY / name).read_text())
    (tmp_path / "executors.json").write_text("[]")
    with pytest.raises(CityError, match="unknown executor 'heat-utility'"):
        read_city(tmp_path)


def test_demo_rules_use_time_windows_and_the_built_in_address_matcher() -> None:
    lon, lat = 129.6900, 62.0255  # a central yard, off the Lenina corridor
    at_night = NOON.replace(hour=23)
    night = ROUTER.decide(AppealToRoute("heating_outage", lon, lat, submitted_at=at_night))
    assert isinstance(night, Routed)
    assert (night.rule.id, night.rule.priority) == ("heating-night-emergency", "emergency")
    by_operator = ROUTER.decide(
        AppealToRoute(
            "pothole", lon, lat, channel="operator", address="Пр-т Ленина, д. 3", submitted_at=NOON
        )
    )
    assert isinstance(by_operator, Routed)
    assert (by_operator.rule.id, by_operator.executor_id) == (
        "roads-lenina-by-operator",
        "roads-dept",
    )
    on_the_web = ROUTER.decide(
        AppealToRoute("pothole", lon, lat, address="Пр-т Ленина, д. 3", submitted_at=NOON)
    )
    assert isinstance(on_the_web, Routed)
    assert on_the_web.executor_id == "adm-centre"


def test_a_matcher_refusing_its_config_refuses_the_rule_set() -> None:
    city, _ = read_city(CITY)
    rules = RuleSet.model_validate(
        {
            "version": 9,
            "rules": [
                {
                    "id": "bad-words",
                    "groups": ["roads"],
                    "when": {"address_mentions": {"words": "Ленина"}},
                    "executor": "roads-dept",
                }
            ],
        }
    )
    with pytest.raises(RuleSetError, match=r"matcher 'address_mentions': .*list of non-empty"):
        build_router(rules, city)
