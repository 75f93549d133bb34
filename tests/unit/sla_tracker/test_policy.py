"""A policy document is refused when it is incoherent, with the reason."""

from typing import Any

import pytest
from pydantic import ValidationError

from sla_tracker.domain.policy import PolicySet, StageKind, Unit

FEDERAL: dict[str, Any] = {
    "id": "federal-59fz",
    "name": "59-ФЗ",
    "stages": {
        "registration": {"within": 3, "unit": "calendar_days"},
        "redirect": {"within": 7, "unit": "calendar_days"},
        "answer": {"within": 30, "unit": "calendar_days"},
        "extension": {"within": 30, "unit": "calendar_days"},
    },
    "escalation": [
        {"to": "executor_dispatcher", "at": 0.9},
        {"to": "executor_head", "at": 1.0},
        {"to": "city_curator", "at": 1.2},
        {"to": "city_head", "at": 1.5},
    ],
}


def policies(*changed: dict[str, Any], **document: Any) -> PolicySet:
    return PolicySet.model_validate({"version": 1, "policies": list(changed), **document})


def test_the_federal_policy_reads() -> None:
    read = policies(FEDERAL, default="federal-59fz")
    federal = read.policy(None)
    assert federal is not None
    assert federal.stages[StageKind.ANSWER].unit is Unit.CALENDAR_DAYS
    assert read.policy("federal-59fz") is federal
    assert read.policy("no-such") is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"stages": {"registration": {"within": 3, "unit": "calendar_days"}}}, "`answer` stage"),
        ({"warn_at": [0.9, 0.75]}, "shares must rise"),
        ({"warn_at": [1.0]}, "between 0 and 1"),
        (
            {"escalation": [{"to": "city_head", "at": 2}, {"to": "executor_head", "at": 1}]},
            "in the order they are reached",
        ),
        (
            {"escalation": [{"to": "city_head", "at": 1}, {"to": "city_head", "at": 2}]},
            "each rung once",
        ),
        ({"stages": {"answer": {"within": 0, "unit": "hours"}}}, "greater than 0"),
        ({"stages": {"answer": {"within": 3, "unit": "weeks"}}}, "calendar_days"),
        ({"stages": {"appeal": {"within": 3, "unit": "hours"}}}, "registration"),
        ({"colour": "red"}, "Extra inputs are not permitted"),
        ({"id": "Federal 59"}, "should match pattern"),
    ],
)
def test_an_incoherent_policy_is_refused_with_the_reason(
    change: dict[str, Any], reason: str
) -> None:
    with pytest.raises(ValidationError, match=reason):
        policies({**FEDERAL, **change})


def test_policy_ids_are_unique_and_the_default_exists() -> None:
    with pytest.raises(ValidationError, match="unique: federal-59fz"):
        policies(FEDERAL, FEDERAL)
    with pytest.raises(ValidationError, match="default: no policy 'nasha-gorod'"):
        policies(FEDERAL, default="nasha-gorod")
