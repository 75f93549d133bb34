"""The declarative rule set: ordered rules, first match wins."""

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from router.domain.territories import Territory, TerritoryKind


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=100)
    description: str | None = None
    categories: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    territory_kind: TerritoryKind | None = None
    territory_id: str | None = None
    executor: str | None = None
    executor_from_territory: bool = False

    @model_validator(mode="after")
    def check_shape(self) -> Self:
        if bool(self.categories) == bool(self.groups):
            raise ValueError("a rule names exactly one of `categories` or `groups`")
        if bool(self.executor) == self.executor_from_territory:
            raise ValueError("a rule has exactly one of `executor` or `executor_from_territory`")
        if self.executor_from_territory and not (self.territory_kind or self.territory_id):
            raise ValueError("`executor_from_territory` needs `territory_kind` or `territory_id`")
        return self

    def matches_category(self, category: str, group: str | None) -> bool:
        return category in self.categories or (group is not None and group in self.groups)

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
    rules: tuple[Rule, ...]

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
