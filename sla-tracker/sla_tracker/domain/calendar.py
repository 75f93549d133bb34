"""A production calendar: which days are worked, and how long.

Built from the `holidays` package (a country's public holidays, the government's day
transfers and its working weekends), the project's own list of shortened pre-holiday
days (no package has them), and a region's extra days off (a republic's own holidays).
Pure: the caller reads the files and passes their contents in.
"""

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources

import holidays

WORKDAY_HOURS = 8
"""A full working day (a 40-hour week); a shortened pre-holiday day is an hour shorter."""


class CalendarError(ValueError):
    """A calendar file that cannot be read (the message names the line)."""


@dataclass(frozen=True)
class ProductionCalendar:
    country: str
    days_off: frozenset[date]
    """Public holidays and days off moved onto weekdays (any day listed here is off)."""
    working_weekends: frozenset[date]
    """Saturdays and Sundays worked instead of a moved day off."""
    shortened: frozenset[date]
    """Working days one hour shorter (before a holiday)."""
    years: tuple[int, ...]
    """The years the calendar knows; a day outside them is judged by weekends alone."""

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.days_off

    def working_hours(self, day: date) -> int:
        """How long `day` is worked: 0 on a day off, 7 on a shortened day, else 8."""
        if not self.is_working_day(day):
            return 0
        return WORKDAY_HOURS - 1 if day in self.shortened else WORKDAY_HOURS

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is worked, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (`day` itself is not counted)."""
        if count < 0:
            raise ValueError("count must not be negative")
        while count:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_between(self, first: date, last: date) -> int:
        """Working days from `first` to `last`, both included."""
        span = (last - first).days + 1
        return sum(self.is_working_day(first + timedelta(days=n)) for n in range(max(span, 0)))

    def covers(self, day: date) -> bool:
        """Whether the calendar knows `day`'s year (else only weekends are known)."""
        return day.year in self.years


def russian_calendar(
    years: Iterable[int],
    *,
    regional_days_off: Mapping[date, str] | None = None,
    subdivision: str | None = None,
) -> ProductionCalendar:
    """Russia's production calendar for `years`: `holidays` for public holidays, transfers
    and working weekends (`subdivision`: an ISO 3166-2 code, where the package knows
    regional holidays), the project's shortened days, and `regional_days_off` on top (a
    region's own holidays, from the city's configuration)."""
    known = tuple(sorted(set(years)))
    public = holidays.country_holidays("RU", subdiv=subdivision, years=known)
    extra = dict(regional_days_off or {})
    return ProductionCalendar(
        country="RU",
        days_off=frozenset(public.keys()) | frozenset(extra),
        working_weekends=frozenset(public.weekend_workdays) - frozenset(extra),
        shortened=frozenset(d for d in shortened_days_ru() if d.year in known) - frozenset(extra),
        years=known,
    )


def shortened_days_ru() -> frozenset[date]:
    """The shortened pre-holiday days the project ships (`data/ru_shortened_days.csv`)."""
    text = resources.files("sla_tracker").joinpath("data/ru_shortened_days.csv").read_text()
    return frozenset(read_dates(text, "ru_shortened_days.csv"))


def read_dates(text: str, name: str) -> dict[date, str]:
    """A CSV of days (`date` column, ISO; optional `name`), `#` lines ignored: day → name.
    Refuses a bad date with the file's line number."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if not line.startswith("#")]
    if not lines:
        return {}
    rows = csv.DictReader(io.StringIO("\n".join(line for _, line in lines)))
    if rows.fieldnames is None or "date" not in rows.fieldnames:
        raise CalendarError(f"{name}:{lines[0][0]}: the header must name a `date` column")
    days: dict[date, str] = {}
    for (number, _), row in zip(lines[1:], rows, strict=False):
        try:
            day = date.fromisoformat((row.get("date") or "").strip())
        except ValueError:
            raise CalendarError(
                f"{name}:{number}: {row.get('date')!r} is not a date (YYYY-MM-DD)"
            ) from None
        days[day] = (row.get("name") or "").strip()
    return days
