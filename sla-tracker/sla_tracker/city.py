"""The sla-tracker's part of a city folder: its production calendar and time zone
(`calendar.json`, with an optional CSV of regional days off) and its deadline policies
(`sla_policies.yaml`).

Both files are required: a legal deadline counted in a guessed time zone or under a
guessed policy would be wrong without anyone noticing, so a folder lacking either is
refused (the error says what the file must hold) rather than given a default.

`calendar.json`::

    {"country": "RU", "time_zone": "Asia/Yakutsk", "regional_days_off": "regional_days_off.csv"}

`country`: only `RU` (Russia's production calendar) for now; `time_zone`: an IANA name;
`regional_days_off` (optional): a CSV in the same folder, `date` (YYYY-MM-DD) and `name`
columns, of the region's own days off.

`load-city` checks the folder and stores both (`StoredCalendar` and `PolicySet` as JSON,
so the CSV is not needed later); the tracker rebuilds its `SlaCity` from them at start
(`stored_city`), with the production calendar of the years deadlines can reach.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.documents import DocumentError, compose, parse_document, problem_at
from services.db import Database
from services.kafka import TopicAdmin
from sla_tracker.domain.calendar import (
    CalendarError,
    ProductionCalendar,
    read_dates,
    russian_calendar,
)
from sla_tracker.domain.clock import AppealClock, Stage
from sla_tracker.domain.deadlines import due_at
from sla_tracker.domain.policy import Duration, Policy, PolicySet
from sla_tracker.policies_file import parse_policies
from sla_tracker.settings import SlaSettings
from sla_tracker.store import repository

CALENDAR_FILE = "calendar.json"
POLICIES_FILE = "sla_policies.yaml"
SUPPORTED_COUNTRIES = ("RU",)


class SlaCityError(DocumentError):
    """A city folder the tracker cannot use; `problems` name the file and line of each."""


@dataclass(frozen=True)
class SlaCity:
    zone: ZoneInfo
    calendar: ProductionCalendar
    policies: PolicySet

    def clock(self, policy: Policy, stages: Sequence[Stage] = ()) -> AppealClock:
        """An appeal's clock under `policy`, its deadlines on this city's calendar and zone."""

        def deadline(started: datetime, duration: Duration) -> datetime:
            return due_at(started, duration, self.calendar, self.zone, policy.off_day)

        return AppealClock(policy, deadline, list(stages))


class CalendarConfig(BaseModel):
    """`calendar.json`: whose production calendar, which time zone, which extra days off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str = Field(description="ISO 3166-1 alpha-2; only RU is supported for now")
    time_zone: str = Field(description="IANA name of the city's zone, e.g. Asia/Yakutsk")
    regional_days_off: str | None = Field(
        default=None, description="a CSV (`date`, `name`) in the city folder: the region's days off"
    )

    @field_validator("country")
    @classmethod
    def _supported(cls, country: str) -> str:
        if country not in SUPPORTED_COUNTRIES:
            raise ValueError(
                f"country {country!r} is not supported: only RU (Russia's production"
                " calendar) is, for now"
            )
        return country

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {name!r} (an IANA name such as Asia/Yakutsk)"
            ) from None
        return name

    @field_validator("regional_days_off")
    @classmethod
    def _in_the_folder(cls, name: str | None) -> str | None:
        if name is not None and (not name or "/" in name or "\\" in name or name in {".", ".."}):
            raise ValueError(f"{name!r}: give the name of a file in the city folder")
        return name


class StoredCalendar(BaseModel):
    """The calendar as `load-city` stores it: `calendar.json` with its days off inlined
    (the production calendar is built from it for the years needed when it is read)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str
    time_zone: str
    regional_days_off: dict[date, str] = {}


def read_sla_city(folder: Path, years: range) -> SlaCity:
    """Read the city's calendar (knowing `years`) and policies; raises SlaCityError listing
    every problem of both files."""
    return build_city(*read_folder(folder), years)


def read_folder(folder: Path) -> tuple[StoredCalendar, PolicySet]:
    """The city folder's calendar settings and policies, checked; raises SlaCityError."""
    problems: list[str] = []
    calendar: StoredCalendar | None = None
    policies: PolicySet | None = None
    try:
        calendar = _read_calendar(folder)
    except DocumentError as error:
        problems += error.problems
    try:
        policies = parse_policies(_required(folder / POLICIES_FILE), str(folder / POLICIES_FILE))
    except DocumentError as error:
        problems += error.problems
    if calendar is None or policies is None:
        raise SlaCityError(problems)
    return calendar, policies


def build_city(calendar: StoredCalendar, policies: PolicySet, years: range) -> SlaCity:
    return SlaCity(
        zone=ZoneInfo(calendar.time_zone),
        calendar=russian_calendar(years, regional_days_off=calendar.regional_days_off),
        policies=policies,
    )


def stored_city(calendar: str, policies: str, years: range | None = None) -> SlaCity:
    """The city `load-city` stored (`StoredCalendar` and `PolicySet` as JSON); the calendar
    knows `years` (default: last year to two years ahead, as deadlines run)."""
    this_year = date.today().year
    return build_city(
        StoredCalendar.model_validate_json(calendar),
        PolicySet.model_validate_json(policies),
        years or range(this_year - 1, this_year + 3),
    )


async def load_city(
    settings: SlaSettings, db: Database, directory: Path, topics: TopicAdmin
) -> str:
    """`python -m sla_tracker load-city DIR`: check the folder's calendar and policies and
    store them (the tracker reads them at start); raises SlaCityError."""
    calendar, policies = read_folder(directory)
    async with db.transaction() as session:
        await repository.replace_city(
            session, calendar.model_dump_json(), policies.model_dump_json()
        )
    return (
        f"calendar {calendar.country} in {calendar.time_zone}"
        f" (+{len(calendar.regional_days_off)} regional days off),"
        f" policies v{policies.version}: {', '.join(p.id for p in policies.policies)}"
        f" (default {policies.default or 'none'})"
    )


def _read_calendar(folder: Path) -> StoredCalendar:
    path = folder / CALENDAR_FILE
    text = _required(path)
    config = parse_document(text, str(path), CalendarConfig)
    days_off: dict[date, str] = {}
    if config.regional_days_off is not None:
        csv_path = folder / config.regional_days_off
        if not csv_path.is_file():
            where = ("regional_days_off",)
            raise DocumentError(
                [problem_at(compose(text), str(path), where, f"no file {str(csv_path)!r}")]
            )
        try:
            days_off = read_dates(csv_path.read_text(encoding="utf-8"), str(csv_path))
        except CalendarError as error:
            raise DocumentError([str(error)]) from error
    return StoredCalendar(
        country=config.country, time_zone=config.time_zone, regional_days_off=days_off
    )


def _required(path: Path) -> str:
    if not path.is_file():
        what = (
            "the country, time zone and regional days off of the city's production calendar"
            if path.name == CALENDAR_FILE
            else "the city's deadline policies (a versioned PolicySet)"
        )
        raise DocumentError([f"{path}: missing; the sla-tracker needs it: {what}"])
    return path.read_text(encoding="utf-8")
