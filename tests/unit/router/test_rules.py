"""Rule features beyond category × territory: time windows, channels, buildings,
redirect exclusions, custom matchers, and rule files with line-precise errors."""

import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import box

from contracts.events import Channel
from router.domain.appeal import AppealToRoute
from router.domain.buildings import Building, BuildingRegistry, normalise_address
from router.domain.routing import Routed, Router, RuleSetError, Unroutable, Verdict
from router.domain.rules import RuleSet
from router.domain.territories import Territory, TerritoryIndex, TerritoryKind
from router.plugins import installed_matchers
from router.rules_file import RuleFileError, parse_rule_set

MC = TerritoryKind.MANAGEMENT_COMPANY
TERRITORIES = TerritoryIndex(
    [
        Territory("city", TerritoryKind.MUNICIPALITY, "City", None, box(0, 0, 10, 10)),
        Territory("mc-a", MC, "Company A", "uk-a", box(0, 0, 5, 10)),
        Territory("mc-b", MC, "Company B", "uk-b", box(5, 0, 10, 10)),
    ]
)
EXECUTORS = {"uk-a": "A", "uk-b": "B", "dispatch": "Duty dispatch", "heat": "Heat utility"}
GROUPS = {"heating_outage": "utilities", "yard_cleaning": "yard"}


def router(document: str, buildings: list[Building] | None = None, **kwargs: object) -> Router:
    return Router(
        parse_rule_set(document),
        TERRITORIES,
        GROUPS,
        EXECUTORS,
        BuildingRegistry(buildings or []),
        **kwargs,  # type: ignore[arg-type]
    )


def decide(r: Router, category: str = "yard_cleaning", lon: float = 2, **kwargs: object) -> Routed:
    decision = r.decide(AppealToRoute(category, lon, 5, **kwargs))  # type: ignore[arg-type]
    assert isinstance(decision, Routed), decision
    return decision


YARD_BY_COMPANY = """
version: 4
rules:
  - id: yard
    groups: [yard]
    territory_kind: management_company
    executor_from_territory: true
    priority: high
    sla_policy: feedback-8wd
"""


def test_the_rule_names_priority_and_deadline_policy() -> None:
    decision = decide(router(YARD_BY_COMPANY))
    assert (decision.executor_id, decision.rule.priority, decision.rule.sla_policy) == (
        "uk-a",
        "high",
        "feedback-8wd",
    )


def test_a_registered_building_routes_to_its_company_even_outside_its_polygon() -> None:
    registry = [Building("b-7", "ул. Промышленная, д. 7", "mc-b")]
    r = router(YARD_BY_COMPANY, registry)
    by_id = decide(r, lon=2, building_id="b-7")  # the point lies in company A's polygon
    assert by_id.executor_id == "uk-b"
    assert by_id.building is not None
    assert "registry" in by_id.explanation
    by_address = decide(r, lon=2, address="Промышленная ул., дом 7")
    assert by_address.executor_id == "uk-b"
    assert decide(r, lon=2).executor_id == "uk-a", "without a building, the polygon decides"
    assert decide(r, lon=2, building_id="unknown").executor_id == "uk-a"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("ул. Ленина, д. 5", "Ленина улица дом 5"),
        ("Проспект Мира, 10 корп. 2", "пр-т мира 10 к 2"),
        ("ул. Жёлтая, 3", "ул желтая 3"),
    ],
)
def test_address_spellings_normalise_alike(one: str, other: str) -> None:
    assert normalise_address(one) == normalise_address(other)


NIGHT_DISPATCH = """
version: 1
timezone: Asia/Yakutsk
rules:
  - id: night-emergency
    categories: [heating_outage]
    time_window: {from: "22:00", to: "08:00"}
    executor: dispatch
    priority: emergency
  - id: heating
    categories: [heating_outage]
    executor: heat
"""


@pytest.mark.parametrize(
    ("utc_time", "executor"),
    [
        (datetime(2026, 1, 15, 14, 30, tzinfo=UTC), "dispatch"),  # 23:30 in Yakutsk (UTC+9)
        (datetime(2026, 1, 15, 22, 59, tzinfo=UTC), "dispatch"),  # 07:59 next morning
        (datetime(2026, 1, 15, 23, 0, tzinfo=UTC), "heat"),  # 08:00: the window has closed
        (datetime(2026, 1, 15, 3, 0, tzinfo=UTC), "heat"),  # noon
    ],
)
def test_a_night_window_in_the_citys_time_zone(utc_time: datetime, executor: str) -> None:
    decision = decide(router(NIGHT_DISPATCH), "heating_outage", submitted_at=utc_time)
    assert decision.executor_id == executor


def test_the_window_index_agrees_with_the_window_every_quarter_hour_of_the_week() -> None:
    document = NIGHT_DISPATCH.replace(
        '{from: "22:00", to: "08:00"}', '{from: "21:45", to: "07:10", weekdays: [1, 5, 7]}'
    )
    r = router(document)
    window = r.rules.rules[0].time_window
    assert window is not None
    monday = datetime(2026, 1, 5, tzinfo=ZoneInfo("Asia/Yakutsk"))
    for quarter in range(7 * 24 * 4):
        local = monday + timedelta(minutes=15 * quarter)
        expected = "dispatch" if window.contains(local) else "heat"
        assert decide(r, "heating_outage", submitted_at=local).executor_id == expected, local


def test_a_rule_whose_window_starts_within_the_hour_is_a_candidate_that_declines() -> None:
    r = router(NIGHT_DISPATCH.replace('from: "22:00"', 'from: "22:30"'))
    ten_past_ten = datetime(2026, 1, 15, 13, 10, tzinfo=UTC)  # 22:10 in Yakutsk
    decision = decide(r, "heating_outage", submitted_at=ten_past_ten)
    assert decision.executor_id == "heat"
    assert [c.verdict for c in decision.candidates] == [Verdict.OUTSIDE_TIME_WINDOW, Verdict.WON]


def test_weekdays_of_a_window_wrapping_midnight_count_from_its_start() -> None:
    document = NIGHT_DISPATCH.replace(
        '{from: "22:00", to: "08:00"}', '{from: "22:00", to: "08:00", weekdays: [5]}'
    )
    friday_night = datetime(2026, 1, 16, 14, 0, tzinfo=UTC)  # Fri 23:00 local
    early_saturday = datetime(2026, 1, 16, 20, 0, tzinfo=UTC)  # Sat 05:00 local
    thursday_night = datetime(2026, 1, 15, 14, 0, tzinfo=UTC)  # Thu 23:00 local
    r = router(document)
    assert decide(r, "heating_outage", submitted_at=friday_night).executor_id == "dispatch"
    assert decide(r, "heating_outage", submitted_at=early_saturday).executor_id == "dispatch"
    assert decide(r, "heating_outage", submitted_at=thursday_night).executor_id == "heat"


def test_a_rule_can_be_limited_to_channels() -> None:
    document = NIGHT_DISPATCH.replace(
        'time_window: {from: "22:00", to: "08:00"}', "channels: [operator]"
    )
    r = router(document)
    assert decide(r, "heating_outage", channel=Channel.OPERATOR).executor_id == "dispatch"
    assert decide(r, "heating_outage", channel=Channel.MOBILE).executor_id == "heat"


def test_executors_that_redirected_are_skipped_and_then_nobody_is_left() -> None:
    r = router(NIGHT_DISPATCH)
    noon = datetime(2026, 1, 15, 3, 0, tzinfo=UTC)
    decision = r.decide(
        AppealToRoute(
            "heating_outage", 2, 5, submitted_at=noon, excluded_executors=frozenset({"heat"})
        )
    )
    assert isinstance(decision, Unroutable)
    assert "to anyone but heat" in decision.reason
    assert [(c.rule_id, c.verdict) for c in decision.candidates] == [
        ("heating", Verdict.EXCLUDED)
    ], "the night rule is no candidate at noon"


def test_rules_naming_unknown_executors_or_matchers_are_refused() -> None:
    with pytest.raises(RuleSetError, match="unknown executor 'nobody'"):
        router(NIGHT_DISPATCH.replace("executor: heat", "executor: nobody"))
    with pytest.raises(RuleSetError, match="no custom matcher 'moon_phase' is installed"):
        router(
            NIGHT_DISPATCH.replace("executor: heat", "executor: heat\n    when: {moon_phase: {}}")
        )


def test_rule_file_errors_name_the_line() -> None:
    document = """version: 2
rules:
  - id: ok
    categories: [pothole]
    executor: roads
  - id: broken
    categories: [pothole]
    executor: roads
    territory_kind: planet
  - id: no-executor
    groups: [roads]
"""
    with pytest.raises(RuleFileError) as caught:
        parse_rule_set(document, "rules.yaml")
    problems = caught.value.problems
    assert any(p.startswith("rules.yaml:9: rules[1].territory_kind:") for p in problems), problems
    assert any(
        p.startswith("rules.yaml:10: rules[2]:") and "exactly one of `executor`" in p
        for p in problems
    ), problems


def test_rule_file_syntax_errors_name_the_line() -> None:
    with pytest.raises(RuleFileError, match=r"rules.yaml:3: not valid YAML"):
        parse_rule_set("version: 1\nrules:\n  - id: a: b\n", "rules.yaml")


@pytest.fixture
def example_plugin_installed(tmp_path: Path) -> Iterator[None]:
    """Install the example plugin's entry point the way pip would (a .dist-info)."""
    dist = tmp_path / "example_matchers-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: example-matchers\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[appeals.router.matchers]\n"
        "address_contains = tests.unit.router.example_plugin:address_contains\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield
    finally:
        sys.path.remove(str(tmp_path))


@pytest.mark.usefixtures("example_plugin_installed")
def test_a_custom_matcher_plugin_takes_part_in_routing() -> None:
    matchers = installed_matchers()
    assert "address_contains" in matchers
    document = """
version: 1
rules:
  - id: lenina-to-dispatch
    groups: [yard]
    when: {address_contains: {text: "Ленина"}}
    executor: dispatch
  - id: yard
    groups: [yard]
    territory_kind: management_company
    executor_from_territory: true
"""
    r = router(document, matchers=matchers)
    assert decide(r, address="пр-т Ленина, 15").executor_id == "dispatch"
    plain = decide(r, address="ул. Кирова, 2")
    assert plain.executor_id == "uk-a"
    assert plain.candidates[0].verdict is Verdict.MATCHER_DECLINED


def test_a_rule_set_needs_a_real_time_zone() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        RuleSet.model_validate({"version": 1, "timezone": "Mars/Olympus", "rules": []})
