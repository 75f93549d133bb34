"""Configuration documents: every problem is reported at its file and line."""

import pytest
from pydantic import BaseModel, ConfigDict, Field

from contracts.documents import DocumentError, compose, line_of, parse_document, path_of


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    hours: int = Field(gt=0)


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    soft: int
    hard: int


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    limits: Limits
    steps: list[Step] = []


def problems_of(text: str) -> list[str]:
    with pytest.raises(DocumentError) as raised:
        parse_document(text, "plan.yaml", Plan)
    return raised.value.problems


def test_a_valid_document_becomes_the_model() -> None:
    plan = parse_document(
        "version: 2\nlimits: {soft: 1, hard: 2}\nsteps:\n  - {name: a, hours: 3}\n",
        "plan.yaml",
        Plan,
    )
    assert plan == Plan(version=2, limits=Limits(soft=1, hard=2), steps=[Step(name="a", hours=3)])


def test_json_is_read_too_with_its_lines() -> None:
    text = '{\n  "version": 1,\n  "limits": {\n    "soft": 1,\n    "hard": "many"\n  }\n}\n'
    assert problems_of(text) == [
        "plan.yaml:5: limits.hard: Input should be a valid integer,"
        " unable to parse string as an integer"
    ]


def test_bad_yaml_is_refused_at_its_line() -> None:
    (problem,) = problems_of("version: 1\nlimits:\n  soft: 1\n  hard: [2\nsteps: []\n")
    assert problem.startswith("plan.yaml:5: not valid YAML:"), problem


def test_a_value_yaml_cannot_build_is_refused_at_its_line() -> None:
    (problem,) = problems_of("version: 1\nlimits:\n  soft: 2025-13-01\n  hard: 2\n")
    assert problem.startswith("plan.yaml:3: not valid YAML: month must be in 1..12"), problem


def test_a_nested_field_is_reported_at_its_own_line() -> None:
    assert problems_of("version: 1\nlimits:\n  soft: 1\n  hard: lots\n") == [
        "plan.yaml:4: limits.hard: Input should be a valid integer,"
        " unable to parse string as an integer"
    ]


def test_a_missing_field_is_reported_at_the_mapping_that_lacks_it() -> None:
    assert problems_of("version: 1\nsteps: []\nlimits:\n  soft: 1\n") == [
        "plan.yaml:4: limits.hard: Field required"
    ]


def test_each_bad_list_item_is_reported_at_its_line() -> None:
    text = (
        "version: 1\n"
        "limits: {soft: 1, hard: 2}\n"
        "steps:\n"
        "  - name: fine\n"
        "    hours: 1\n"
        "  - name: slow\n"
        "    hours: 0\n"
        "  - name: odd\n"
        "    hours: 1\n"
        "    colour: red\n"
    )
    assert problems_of(text) == [
        "plan.yaml:7: steps[1].hours: Input should be greater than 0",
        "plan.yaml:10: steps[2].colour: Extra inputs are not permitted",
    ]


@pytest.mark.parametrize("text", ["- version: 1\n", "just text\n", ""])
def test_a_document_that_is_not_a_mapping_is_refused(text: str) -> None:
    assert problems_of(text) == ["plan.yaml:1: expected a mapping with `version` and `limits`"]


def test_a_key_given_twice_is_refused_rather_than_silently_overridden() -> None:
    text = "version: 1\nlimits:\n  soft: 1\n  hard: 2\n  soft: 5\n"
    assert problems_of(text) == ["plan.yaml:5: limits: 'soft' given twice"]


def test_line_of_stops_at_the_deepest_node_the_location_reaches() -> None:
    node = compose("a:\n  b:\n    - x\n    - y\n")
    assert line_of(node, ("a", "b", 1)) == 4
    assert line_of(node, ("a", "b", 7)) == 3  # the list itself
    assert line_of(node, ("a", "nothing", "deeper")) == 2
    assert line_of(None, ("a",)) == 1


def test_path_of_reads_like_the_document() -> None:
    assert path_of(("steps", 2, "hours")) == "steps[2].hours"
    assert path_of(()) == "<document>"


class Route(BaseModel):
    stops: tuple[Step, ...] = Field(min_length=1)


def test_a_list_short_only_because_its_items_failed_reports_just_the_items() -> None:
    with pytest.raises(DocumentError) as raised:
        parse_document("stops:\n  - name: a\n    hours: -1\n", "route.yaml", Route)
    assert raised.value.problems == ["route.yaml:3: stops[0].hours: Input should be greater than 0"]
    with pytest.raises(DocumentError) as raised:
        parse_document("stops: []\n", "route.yaml", Route)
    assert raised.value.problems == [
        "route.yaml:1: stops: Tuple should have at least 1 item after validation, not 0"
    ]
