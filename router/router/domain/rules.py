"""The declarative, versioned rule set: ordered rules, first match wins."""

from collections.abc import Collection
from datetime import datetime, time
from enum import StrEnum
from typing import Any, NamedTuple, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.events import DEFAULT_CHANNELS, Priority
from contracts.identifiers import ChannelId
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


class Locate(StrEnum):
    """What places an appeal for a rule: where its territories are looked up."""

    POINT = "point"
    """The appeal's point (a pothole, a tree, a playground: where the problem is)."""
    BUILDING = "building"
    """The registered building the appeal names: its management company from the registry,
    other territories where the building stands. The rule does not apply to an appeal that
    names no registered building."""
    BUILDING_ELSE_POINT = "building_else_point"
    """The building when the appeal names a registered one, else the point."""


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=100)
    description: str | None = None
    categories: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    locate: Locate = Field(
        default=Locate.BUILDING_ELSE_POINT,
        description="what locates the appeal: the building, the point, or the building and"
        " else the point",
    )
    territory_kind: TerritoryKind | None = Field(
        default=None, description="some territory of this kind contains the appeal"
    )
    territory_id: str | None = Field(default=None, description="this territory contains it")
    territory_ids: frozenset[str] = Field(
        default=frozenset(), description="one of these territories contains it"
    )
    time_window: TimeWindow | None = None
    channels: frozenset[ChannelId] = frozenset()
    when: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="custom matchers (plugins) by name, with their config"
    )
    executor: str | None = None
    executor_from_territory: bool | TerritoryKind = Field(
        default=False,
        description="`true`: the executor of the territory the filter matched; a territory"
        " kind: the executor of the territory of that kind containing the appeal",
    )
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
        targets = [
            bool(self.executor),
            self.executor_from_territory is not False,
            self.manual is not None,
        ]
        if sum(targets) != 1:
            raise ValueError(
                "a rule has exactly one of `executor`, `executor_from_territory` or `manual`"
            )
        if self.territory_id is not None and self.territory_ids:
            raise ValueError("a rule names `territory_id` or `territory_ids`, not both")
        if self.executor_from_territory is True and not self.territorial:
            raise ValueError(
                "`executor_from_territory: true` needs `territory_kind`, `territory_id` or"
                " `territory_ids` (or name the kind to take the executor from:"
                " `executor_from_territory: district`)"
            )
        return self

    @property
    def territory_filter_ids(self) -> frozenset[str]:
        """The territory ids the rule names (`territory_id` is a list of one)."""
        if self.territory_id is not None:
            return frozenset({self.territory_id})
        return self.territory_ids

    def matches_territory(self, territory: Territory) -> bool:
        ids = self.territory_filter_ids
        return (self.territory_kind is None or territory.kind == self.territory_kind) and (
            not ids or territory.id in ids
        )

    @property
    def territorial(self) -> bool:
        return self.territory_kind is not None or bool(self.territory_filter_ids)

    @property
    def executor_kind(self) -> TerritoryKind | None:
        """The kind of containing territory whose executor the rule takes, if it names one."""
        source = self.executor_from_territory
        return source if isinstance(source, TerritoryKind) else None


class RuleProblem(NamedTuple):
    """A name a rule uses that the city or the plugins lack; `position` (in `rules`) and
    `field` say where it sits in the document, so a rule file can report its line."""

    position: int
    rule_id: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"rule {self.rule_id!r}: {self.message}"


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
        self,
        executors: Collection[str],
        matchers: Collection[str],
        channels: Collection[str] = DEFAULT_CHANNELS,
        territories: Collection[str] | None = None,
    ) -> list[RuleProblem]:
        """Names this rule set uses that the city or the plugins lack (territories only
        when given: a router keeps deciding after an import drops one a rule names)."""
        problems: list[RuleProblem] = []
        for i, r in enumerate(self.rules):
            if r.executor and r.executor not in executors:
                problems.append(
                    RuleProblem(i, r.id, "executor", f"unknown executor {r.executor!r}")
                )
            problems += [
                RuleProblem(
                    i,
                    r.id,
                    "channels",
                    f"the city declares no channel {channel!r}"
                    f" (it has {', '.join(sorted(channels))})",
                )
                for channel in sorted(r.channels)
                if channel not in channels
            ]
            if territories is not None:
                field = "territory_id" if r.territory_id is not None else "territory_ids"
                problems += [
                    RuleProblem(i, r.id, field, f"unknown territory {territory!r}")
                    for territory in sorted(r.territory_filter_ids)
                    if territory not in territories
                ]
            problems += [
                RuleProblem(i, r.id, "when", f"no custom matcher {name!r} is installed")
                for name in r.when
                if name not in matchers
            ]
        return problems
