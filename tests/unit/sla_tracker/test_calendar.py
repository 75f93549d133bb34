"""Russia's production calendar 2025–2027, pinned: a regression of the `holidays` package
or a missing decree for a new year fails here (the decree comes out each autumn)."""

from datetime import date

import pytest

from sla_tracker.domain.calendar import (
    CalendarError,
    read_dates,
    russian_calendar,
    shortened_days_ru,
)

RU = russian_calendar(range(2025, 2028))
SHORTENED = {
    2025: ["2025-03-07", "2025-04-30", "2025-06-11"],
    2026: ["2026-04-30", "2026-05-08", "2026-06-11", "2026-11-03"],
    2027: ["2027-02-20", "2027-04-30", "2027-06-11", "2027-11-03"],
}


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_each_year_has_247_working_days(year: int) -> None:
    assert RU.working_days_between(date(year, 1, 1), date(year, 12, 31)) == 247


@pytest.mark.parametrize(
    ("day", "worked"),
    [
        ("2025-05-02", False),  # moved from Saturday 4 January
        ("2025-05-08", False),  # moved from Sunday 23 February
        ("2025-11-01", True),  # a Saturday worked
        ("2026-01-09", False),  # moved from Saturday 3 January
        ("2027-02-20", True),  # a Saturday worked
        ("2026-01-01", False),
        ("2026-06-12", False),
        ("2026-03-09", False),  # 8 March falls on a Sunday: the Monday is off
        ("2025-03-10", True),
        ("2025-06-14", False),  # an ordinary Saturday
    ],
)
def test_the_known_days_off_and_working_weekends(day: str, worked: bool) -> None:
    assert RU.is_working_day(date.fromisoformat(day)) is worked


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_shortened_pre_holiday_days_are_an_hour_shorter(year: int) -> None:
    listed = sorted(d for d in RU.shortened if d.year == year)
    assert [d.isoformat() for d in listed] == SHORTENED[year]
    assert {RU.working_hours(d) for d in listed} == {7}
    assert RU.working_hours(date(2025, 11, 1)) == 8, "a worked Saturday is not shortened"
    assert RU.working_hours(date(2025, 5, 2)) == 0


def test_working_days_are_counted_after_the_start() -> None:
    # Thursday 30 April 2026: 1–3 May off, 4–7 worked, 8 shortened, 9–11 off.
    assert RU.add_working_days(date(2026, 4, 30), 1) == date(2026, 5, 4)
    assert RU.add_working_days(date(2026, 4, 30), 5) == date(2026, 5, 8)
    assert RU.add_working_days(date(2026, 4, 30), 6) == date(2026, 5, 12)
    assert RU.add_working_days(date(2026, 4, 30), 0) == date(2026, 4, 30)
    assert RU.next_working_day(date(2026, 1, 1)) == date(2026, 1, 12)


def test_a_regions_own_holidays_are_days_off_on_top() -> None:
    # Yakutia: 27 April, Day of the Republic (a Monday in 2026).
    region = russian_calendar([2026], regional_days_off={date(2026, 4, 27): "День Республики"})
    assert RU.is_working_day(date(2026, 4, 27))
    assert not region.is_working_day(date(2026, 4, 27))
    assert region.working_days_between(date(2026, 1, 1), date(2026, 12, 31)) == 246


def test_the_shipped_list_holds_every_known_year() -> None:
    assert {d.year for d in shortened_days_ru()} >= {2025, 2026, 2027}


def test_a_bad_regional_file_is_refused_at_its_line() -> None:
    text = "# Yakutia\ndate,name\n2026-04-27,День Республики\n2026-06-31,Ысыах\n"
    with pytest.raises(CalendarError, match=r"regional\.csv:4: '2026-06-31' is not a date"):
        read_dates(text, "regional.csv")
    assert read_dates("date,name\n2026-06-21,Ысыах\n", "x") == {date(2026, 6, 21): "Ысыах"}
    with pytest.raises(CalendarError, match="x:1: the header must name a `date` column"):
        read_dates("day\n2026-06-21\n", "x")
