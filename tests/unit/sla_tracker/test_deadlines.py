"""Due dates as the law counts them, in the city's time zone, on the production calendar;
and the warnings, breach and escalation rungs of a stage, in order."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla_tracker.domain.calendar import russian_calendar
from sla_tracker.domain.deadlines import due_at, marks
from sla_tracker.domain.policy import Duration, Escalation, OffDay, Policy, Rung, Unit

RU = russian_calendar(range(2025, 2028))
YAKUTSK = ZoneInfo("Asia/Yakutsk")  # UTC+9
MOSCOW = ZoneInfo("Europe/Moscow")  # UTC+3


def local(text: str, zone: ZoneInfo = YAKUTSK) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def days(n: int, unit: Unit = Unit.CALENDAR_DAYS) -> Duration:
    return Duration(within=n, unit=unit)


def test_thirty_days_end_with_the_thirtieth_day_after_the_start() -> None:
    due = due_at(local("2026-03-01T10:00"), days(30), RU, YAKUTSK)
    assert due == local("2026-04-01T00:00")  # the end of Tuesday 31 March, local time
    assert due.tzinfo is UTC


def test_a_last_day_off_moves_to_the_next_working_day_unless_the_policy_keeps_it() -> None:
    started = local("2026-04-03T12:00")  # + 30 days = Sunday 3 May, in the May holidays
    assert due_at(started, days(30), RU, YAKUTSK) == local("2026-05-05T00:00")
    kept = due_at(started, days(30), RU, YAKUTSK, OffDay.KEEP)
    assert kept == local("2026-05-04T00:00")


def test_working_days_skip_holidays_and_moved_days_off() -> None:
    # 8 working days after Thursday 30 April 2026: 4–8 May, then 12, 13, 14 (11 May is off).
    due = due_at(local("2026-04-30T16:00", MOSCOW), days(8, Unit.WORKING_DAYS), RU, MOSCOW)
    assert due == local("2026-05-15T00:00", MOSCOW)


def test_a_worked_saturday_counts_as_a_working_day() -> None:
    # Friday 31 October 2025 + 1 working day = Saturday 1 November (worked).
    due = due_at(local("2025-10-31T09:00"), days(1, Unit.WORKING_DAYS), RU, YAKUTSK)
    assert due == local("2025-11-02T00:00")


def test_days_are_counted_in_the_citys_time_zone() -> None:
    # 20:00 UTC on 1 March is already 2 March in Yakutsk: the count starts a day later.
    started = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    assert due_at(started, days(3), RU, YAKUTSK) == local("2026-03-06T00:00")
    assert due_at(started, days(3), RU, MOSCOW) == local("2026-03-05T00:00", MOSCOW)


def test_hours_run_round_the_clock_through_holidays() -> None:
    started = datetime(2026, 12, 31, 22, 0, tzinfo=UTC)
    assert due_at(started, Duration(within=24, unit=Unit.HOURS), RU, YAKUTSK) == datetime(
        2027, 1, 1, 22, 0, tzinfo=UTC
    )


def test_minutes_run_round_the_clock_too() -> None:
    started = datetime(2026, 1, 1, 23, 50, tzinfo=UTC)
    due = due_at(started, Duration(within=30, unit=Unit.MINUTES), RU, YAKUTSK)
    assert due == datetime(2026, 1, 2, 0, 20, tzinfo=UTC)


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(datetime(2026, 3, 1), days(3), RU, YAKUTSK)


def test_warnings_breach_and_rungs_come_in_time_order() -> None:
    policy = Policy(
        id="operational",
        name="Оперативный",
        stages={"answer": days(8, Unit.WORKING_DAYS)},
        warn_at=(0.75, 0.9),
        escalation=(
            Escalation(to=Rung.EXECUTOR_DISPATCHER, at=0.9),
            Escalation(to=Rung.EXECUTOR_HEAD, at=1.0),
            Escalation(to=Rung.CITY_CURATOR, at=1.5),
        ),
    )
    started = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    due = started + timedelta(days=10)
    found = marks(started, due, policy)
    assert [(m.kind, m.share, m.rung) for m in found] == [
        ("warning", 0.75, None),
        ("warning", 0.9, None),
        ("escalation", 0.9, Rung.EXECUTOR_DISPATCHER),
        ("breach", 1.0, None),
        ("escalation", 1.0, Rung.EXECUTOR_HEAD),
        ("escalation", 1.5, Rung.CITY_CURATOR),
    ]
    assert found[0].at == started + timedelta(days=7.5)
    assert found[-1].at == started + timedelta(days=15)
