"""The legal clock follows the case: stages start and end with its events, a question to
the citizen pauses it, one extension moves the deadline, a redirect restarts or keeps it,
and every mark fires once, in order."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sla_tracker.domain.clock import AppealClock, ClockError
from sla_tracker.domain.policy import Duration, Policy, Rung, StageKind

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def plain_days(started: datetime, duration: Duration) -> datetime:
    """A calendar of only working days, in UTC (the calendar itself is tested elsewhere)."""
    return started + duration.within * DAY


def clock(**changes: Any) -> AppealClock:
    document: dict[str, Any] = {
        "id": "p",
        "name": "test",
        "stages": {
            "registration": {"within": 3, "unit": "calendar_days"},
            "redirect": {"within": 7, "unit": "calendar_days"},
            "answer": {"within": 30, "unit": "calendar_days"},
            "extension": {"within": 30, "unit": "calendar_days"},
        },
        "warn_at": [0.5],
        "escalation": [{"to": "executor_head", "at": 1.0}, {"to": "city_head", "at": 1.5}],
        **changes,
    }
    return AppealClock(Policy.model_validate(document), plain_days)


def fired(c: AppealClock, now: datetime) -> list[tuple[str, str, float]]:
    """Fire what has come by `now`; (stage, kind, share) of each."""
    found = []
    for due in c.pending(now):
        c.fire(due)
        found.append((c.stages[due.stage].kind.value, due.mark.kind, due.mark.share))
    return found


def test_registration_then_answer_stages_with_their_marks_fired_once() -> None:
    c = clock()
    c.submitted(T0)
    assert fired(c, T0 + 1.5 * DAY) == [("registration", "warning", 0.5)]
    assert fired(c, T0 + 1.5 * DAY) == [], "a mark fires once"
    c.routed(T0 + 2 * DAY, "uk-1")
    c.accepted(T0 + 3 * DAY)
    assert c.next_at() == T0 + 17 * DAY, "the answer stage's half-way warning"
    assert fired(c, T0 + 40 * DAY) == [
        ("answer", "warning", 0.5),
        ("answer", "breach", 1.0),
        ("answer", "escalation", 1.0),
    ]
    assert fired(c, T0 + 47 * DAY) == [("answer", "escalation", 1.5)]
    c.answered(T0 + 48 * DAY)
    assert c.next_at() is None


def test_a_question_to_the_citizen_pauses_the_answer_clock() -> None:
    c = clock()
    c.routed(T0, "uk-1")
    c.accepted(T0)
    c.paused(T0 + 10 * DAY)
    assert c.pending(T0 + 31 * DAY) == [], "a paused stage fires nothing"
    c.resumed(T0 + 14 * DAY)
    answer = c.stages[-1]
    assert answer.effective_due == T0 + 34 * DAY, "the deadline moves by the 4 days paused"
    assert fired(c, T0 + 33 * DAY) == [("answer", "warning", 0.5)]
    assert c.next_at() == T0 + 34 * DAY


def test_one_extension_moves_the_answer_deadline_and_only_once() -> None:
    c = clock()
    c.routed(T0, "uk-1")
    c.accepted(T0)
    assert fired(c, T0 + 16 * DAY) == [("answer", "warning", 0.5)]
    assert c.extended(T0 + 20 * DAY) == T0 + 60 * DAY
    answer = next(s for s in c.stages if s.kind is StageKind.ANSWER)
    assert answer.extended
    with pytest.raises(ClockError, match="extended once already"):
        c.extended(T0 + 21 * DAY)
    assert fired(c, T0 + 59 * DAY) == [("answer", "warning", 0.5)], "warned of the new one"
    assert fired(c, T0 + 60 * DAY) == [("answer", "breach", 1.0), ("answer", "escalation", 1.0)]


def test_no_extension_after_the_deadline_or_without_one_in_the_policy() -> None:
    late = clock()
    late.routed(T0, "uk-1")
    with pytest.raises(ClockError, match="too late"):
        late.extended(T0 + 31 * DAY)
    without = clock(stages={"answer": {"within": 8, "unit": "working_days"}})
    without.routed(T0, "uk-1")
    with pytest.raises(ClockError, match="allows no extension"):
        without.extended(T0 + DAY)


def test_a_redirect_restarts_the_answer_stage_at_the_competent_executor() -> None:
    c = clock()
    c.routed(T0, "uk-1")
    c.redirected(T0 + 5 * DAY)
    c.routed(T0 + 6 * DAY, "vodokanal")
    answers = [s for s in c.stages if s.kind is StageKind.ANSWER]
    assert [(s.executor_id, s.running) for s in answers] == [("uk-1", False), ("vodokanal", True)]
    assert answers[-1].due == T0 + 36 * DAY, "30 days from its own registration"


def test_an_operational_policy_keeps_the_citizens_deadline_across_redirects() -> None:
    c = clock(on_redirect="keep_deadline")
    c.routed(T0, "uk-1")
    c.accepted(T0)
    assert fired(c, T0 + 16 * DAY) == [("answer", "warning", 0.5)]
    c.redirected(T0 + 20 * DAY)
    c.routed(T0 + 21 * DAY, "vodokanal")
    c.accepted(T0 + 21 * DAY)
    answer = [s for s in c.stages if s.kind is StageKind.ANSWER][-1]
    assert (answer.executor_id, answer.due) == ("vodokanal", T0 + 30 * DAY)
    assert fired(c, T0 + 30 * DAY) == [("answer", "breach", 1.0), ("answer", "escalation", 1.0)]


def test_the_redirect_window_ends_when_the_executor_accepts() -> None:
    c = clock()
    c.routed(T0, "uk-1")
    c.accepted(T0 + DAY)
    assert all(kind != "redirect" for kind, _, _ in fired(c, T0 + 8 * DAY))
    lazy = clock()
    lazy.routed(T0, "uk-1")
    assert ("redirect", "breach", 1.0) in fired(lazy, T0 + 8 * DAY)


def test_a_reopening_starts_a_new_answer_stage_and_closing_stops_everything() -> None:
    c = clock()
    c.routed(T0, "uk-1")
    c.answered(T0 + 10 * DAY)
    c.reopened(T0 + 12 * DAY, "uk-1")
    assert c.stages[-1].kind is StageKind.ANSWER
    assert c.stages[-1].due == T0 + 42 * DAY
    c.closed(T0 + 13 * DAY)
    assert c.next_at() is None
    assert c.pending(T0 + 100 * DAY) == []


def test_escalation_names_the_rung() -> None:
    c = clock()
    c.routed(T0, "uk-1")
    c.accepted(T0)
    rungs = [d.mark.rung for d in c.pending(T0 + 50 * DAY) if d.mark.kind == "escalation"]
    assert rungs == [Rung.EXECUTOR_HEAD, Rung.CITY_HEAD]
