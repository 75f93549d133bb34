"""The tracker's part of a city folder: the demo city reads; a bad file is refused at its
line, every problem of the folder at once."""

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from sla_tracker.city import SlaCityError, read_folder, read_sla_city, stored_city
from sla_tracker.domain.policy import OnRedirect, StageKind, Unit
from sla_tracker.policies_file import load_policies

DEMO_CITY = Path(__file__).resolve().parents[3] / "deploy" / "demo-city"
YEARS = range(2025, 2028)
CALENDAR = {"country": "RU", "time_zone": "Asia/Yakutsk", "regional_days_off": "days.csv"}
DAYS = "date,name\n2026-04-27,День Республики\n"
POLICIES = """\
version: 1
default: written
policies:
  - id: written
    name: Written
    stages:
      answer: {within: 30, unit: calendar_days}
"""


def city(folder: Path, calendar: str | None, days: str | None, policies: str | None) -> Path:
    for name, text in [
        ("calendar.json", calendar),
        ("days.csv", days),
        ("sla_policies.yaml", policies),
    ]:
        if text is not None:
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def calendar_json(**changed: object) -> str:
    return json.dumps({**CALENDAR, **changed}, indent=2)


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(SlaCityError) as raised:
        read_sla_city(folder, YEARS)
    return raised.value.problems


def test_the_demo_city_reads() -> None:
    demo = read_sla_city(DEMO_CITY, YEARS)
    assert demo.zone.key == "Asia/Yakutsk"
    assert [p.id for p in demo.policies.policies] == ["federal-59fz", "operational", "emergency"]
    assert demo.policies.policy(None) is demo.policies.policy("federal-59fz")
    operational = demo.policies.policy("operational")
    assert operational is not None
    assert operational.on_redirect is OnRedirect.KEEP_DEADLINE
    assert operational.stages[StageKind.ANSWER].unit is Unit.WORKING_DAYS
    # Yakutia's Day of the Republic is off on top of Russia's calendar (a Monday in 2026)
    assert not demo.calendar.is_working_day(date(2026, 4, 27))
    assert demo.calendar.working_days_between(date(2026, 1, 1), date(2026, 12, 31)) == 246
    # in 2025 it fell on a Sunday: the federal count stands
    assert demo.calendar.working_days_between(date(2025, 1, 1), date(2025, 12, 31)) == 247


def test_every_policy_the_demo_rules_name_exists() -> None:
    rules = yaml.safe_load((DEMO_CITY / "rules.yaml").read_text(encoding="utf-8"))["rules"]
    named = {r["sla_policy"] for r in rules if "sla_policy" in r}
    assert named == {"emergency", "operational"}
    policies = load_policies(DEMO_CITY / "sla_policies.yaml")
    assert all(policies.policy(name) is not None for name in named)


def test_the_stored_city_is_the_city_that_was_read() -> None:
    calendar, policies = read_folder(DEMO_CITY)
    stored = stored_city(calendar.model_dump_json(), policies.model_dump_json(), YEARS)
    assert stored == read_sla_city(DEMO_CITY, YEARS)


def test_a_folder_without_the_files_is_refused_naming_both(tmp_path: Path) -> None:
    problems = problems_of(tmp_path)
    assert len(problems) == 2, problems
    assert problems[0].startswith(f"{tmp_path / 'calendar.json'}: missing"), problems
    assert problems[1].startswith(f"{tmp_path / 'sla_policies.yaml'}: missing"), problems


def test_the_regional_days_off_are_optional(tmp_path: Path) -> None:
    folder = city(tmp_path, json.dumps({"country": "RU", "time_zone": "UTC"}), None, POLICIES)
    assert read_sla_city(folder, YEARS).calendar.is_working_day(date(2026, 4, 27))


@pytest.mark.parametrize(
    ("calendar", "line", "reason"),
    [
        (
            calendar_json(time_zone="Asia/Yakustk"),
            3,
            "time_zone: Value error, unknown time zone 'Asia/Yakustk'",
        ),
        (
            calendar_json(country="KZ"),
            2,
            "country: Value error, country 'KZ' is not supported: only RU",
        ),
        (calendar_json(regional_days_off="nowhere.csv"), 4, "regional_days_off: no file"),
        (
            calendar_json(regional_days_off="../days.csv"),
            4,
            "regional_days_off: Value error, '../days.csv': give the name of a file in the city folder",
        ),
        (calendar_json(zone="UTC"), 5, "zone: Extra inputs are not permitted"),
        ('{\n  "country": "RU",\n  "time_zone": "UTC"\n', 4, "not valid YAML"),
    ],
)
def test_a_bad_calendar_is_refused_at_its_line(
    tmp_path: Path, calendar: str, line: int, reason: str
) -> None:
    (problem,) = problems_of(city(tmp_path, calendar, DAYS, POLICIES))
    assert problem.startswith(f"{tmp_path / 'calendar.json'}:{line}: {reason}"), problem


def test_a_bad_day_off_is_refused_at_its_line(tmp_path: Path) -> None:
    days = "# Yakutia\ndate,name\n2026-04-27,День Республики\n2026-04-31,Nonsense\n"
    (problem,) = problems_of(city(tmp_path, calendar_json(), days, POLICIES))
    assert problem.startswith(f"{tmp_path / 'days.csv'}:4: '2026-04-31' is not a date"), problem


@pytest.mark.parametrize(
    ("policies", "line", "reason"),
    [
        (
            POLICIES.replace("calendar_days", "fortnights"),
            7,
            "policies[0].stages.answer.unit: Input should be",
        ),
        (
            POLICIES.replace("answer", "appeal"),
            7,
            "policies[0].stages.appeal: Input should be 'registration'",
        ),
        (
            POLICIES.replace("default: written", "default: spoken"),
            1,
            "<document>: Value error, default: no policy 'spoken'",
        ),
        (
            POLICIES + "    warn_at: [0.9, 0.5]\n",
            4,
            "policies[0]: Value error, warn_at: shares must rise",
        ),
        (
            POLICIES.replace("version: 1", "version: 0"),
            1,
            "version: Input should be greater than or equal to 1",
        ),
        (POLICIES + "    name: Twice\n", 8, "policies[0]: 'name' given twice"),
    ],
)
def test_bad_policies_are_refused_at_their_line(
    tmp_path: Path, policies: str, line: int, reason: str
) -> None:
    (problem,) = problems_of(city(tmp_path, calendar_json(), DAYS, policies))
    assert problem.startswith(f"{tmp_path / 'sla_policies.yaml'}:{line}: {reason}"), problem


def test_every_problem_of_the_folder_is_reported_at_once(tmp_path: Path) -> None:
    shutil.copy(DEMO_CITY / "sla_policies.yaml", tmp_path)
    with (tmp_path / "sla_policies.yaml").open("a", encoding="utf-8") as f:
        f.write("colour: red\n")
    city(tmp_path, calendar_json(time_zone="Mars/Olympus"), DAYS, None)
    problems = problems_of(tmp_path)
    assert [p.split(": ")[0].rsplit("/", 1)[-1] for p in problems] == [
        "calendar.json:3",
        f"sla_policies.yaml:{len((DEMO_CITY / 'sla_policies.yaml').read_text().splitlines()) + 1}",
    ], problems
    assert str(SlaCityError(problems)) == "\n".join(problems)
