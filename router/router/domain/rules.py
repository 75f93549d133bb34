"""The declarative, versioned rule set: ordered rules, first match wins."""

from collections.abc import Mapping
from datetime import datetime, time
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.events import Channel, Priority
from router.domain.territories import Territory, TerritoryKind


class TimeWindow(BaseModel):
    """Local time of day (the rule set's time zone); `start` > `end` wraps midnight."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    start: time = Field(alias="from")
    end: time = Field(alias="to")
    weekdays: frozenset[int] = Field(
        default=frozenset(range(1, 8)), description="ISO weekdays 1 (Mon) … 7 (Sun)"
    )

    @field_validator("weekdays")
    @classmethod
    def check_weekdays(cls, days: frozenset[int]) -> frozenset[int]:
        if not days or not days <= set(range(1, 8)):
            raise ValueError("weekdays are ISO numbers 1 (Monday) to 7 (Sunday)")
        return days

    def hours_of_week(self) -> set[int]:
        """Every hour of the week (0 = Monday 00:00–01:00 … 167) the window touches."""
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        length = (end - start) % (24 * 60) or 24 * 60
        return {
            ((day - 1) * 24 * 60 + start + minute) // 60 % 168
            for day in self.weekdays
            for minute in range(0, length, 30)
        } | {((day - 1) * 24 * 60 + start + length - 1) // 60 % 168 for day in self.weekdays}

    def contains(self, local: datetime) -> bool:
        return self.contains_minute(local.hour * 60 + local.minute, local.isoweekday())

    def contains_minute(self, minute: int, weekday: int) -> bool:
        """`minute` of the local day (0–1439) on ISO `weekday`; a window wrapping midnight
        belongs to the weekday it started on."""
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        if start <= end:
            return start <= minute < end and weekday in self.weekdays
        if minute >= start:
            return weekday in self.weekdays
        return minute < end and (weekday - 2) % 7 + 1 in self.weekdays


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=100)
    description: str | None = None
    categories: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    territory_kind: TerritoryKind | None = None
    territory_id: str | None = None
    time_window: TimeWindow | None = None
    channels: frozenset[Channel] = frozenset()
    when: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="custom matchers (plugins) by name, with their config"
    )
    executor: str | None = None
    executor_from_territory: bool = False
    manual: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="send matching appeals to the operators' manual queue, with this reason",
    )
    priority: Priority = Priority.NORMAL
    sla_policy: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def check_shape(self) -> Self:
        if bool(self.categories) == bool(self.groups):
            raise ValueError("a rule names exactly one of `categories` or `groups`")
        targets = [bool(self.executor), self.executor_from_territory, self.manual is not None]
        if sum(targets) != 1:
            raise ValueError(
                "a rule has exactly one of `executor`, `executor_from_territory` or `manual`"
            )
        if self.executor_from_territory and not (self.territory_kind or self.territory_id):
            raise ValueError("`executor_from_territory` needs `territory_kind` or `territory_id`")
        return self

    def matches_territory(self, territory: Territory) -> bool:
        return (self.territory_kind is None or territory.kind == self.territory_kind) and (
            self.territory_id is None or territory.id == self.territory_id
        )

    @property
    def territorial(self) -> bool:
        return self.territory_kind is not None or self.territory_id is not None


class RuleSet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(ge=1)
    timezone: str = Field(default="UTC", description="IANA zone for time windows")
    description: str | None = None
    rules: tuple[Rule, ...]

    @field_validator("timezone")
    @classmethod
    def check_timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {name!r}") from error
        return name

    @model_validator(mode="after")
    def check_unique_ids(self) -> Self:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} appears twice")
            seen.add(rule.id)
        return self

    def executors_named(self) -> set[str]:
        return {r.executor for r in self.rules if r.executor}

    def matchers_named(self) -> set[str]:
        return {name for r in self.rules for name in r.when}

    def check_references(
        self, executors: Mapping[str, object], matchers: Mapping[str, object]
    ) -> list[str]:
        """Problems with names this rule set uses that the city or the plugins lack."""
        problems = [
            f"rule {r.id!r}: unknown executor {r.executor!r}"
            for r in self.rules
            if r.executor and r.executor not in executors
        ]
        problems += [
            f"rule {r.id!r}: no custom matcher {name!r} is installed"
            for r in self.rules
            for name in r.when
            if name not in matchers
        ]
        return problems
