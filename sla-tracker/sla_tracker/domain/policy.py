"""Deadline policies: the stages of a case, how long each may take, when to warn and
whom to escalate to. A city publishes them as one versioned document (the router's rules
name a policy per appeal: `sla_policy`)."""

from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.events import SlaRung

Rung = SlaRung
"""Who answers once an escalation reaches them (the events name the same rungs)."""

PolicyId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]


class Unit(StrEnum):
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"
    HOURS = "hours"
    MINUTES = "minutes"
    """Round the clock, like hours: an emergency's first response."""


class StageKind(StrEnum):
    REGISTRATION = "registration"
    """From submission until the executor has the appeal (59-ФЗ: 3 days)."""
    REDIRECT = "redirect"
    """An executor that is not competent sends it on (59-ФЗ: 7 days)."""
    ANSWER = "answer"
    """The executor answers (59-ФЗ: 30 days from registration)."""
    EXTENSION = "extension"
    """Once, with a reason and notice to the citizen: the answer may take this much more."""


class OffDay(StrEnum):
    NEXT_WORKING_DAY = "next_working_day"
    """A deadline falling on a day off moves to the next working day (the usual rule)."""
    KEEP = "keep"


class OnRedirect(StrEnum):
    RESTART_ANSWER = "restart_answer"
    """The competent executor's answer stage starts at its own registration (59-ФЗ)."""
    KEEP_DEADLINE = "keep_deadline"
    """The citizen's deadline stands whoever answers (operational platforms)."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Duration(Strict):
    within: int = Field(gt=0, le=10_000, description="how many units the stage may take")
    unit: Unit


class Escalation(Strict):
    to: Rung
    at: float = Field(
        gt=0,
        le=10,
        description="when, as a share of the stage's time (1: at the breach, 1.5: half a"
        " stage after it)",
    )


class Policy(Strict):
    id: PolicyId
    name: str = Field(min_length=1, max_length=300)
    stages: dict[StageKind, Duration]
    off_day: OffDay = OffDay.NEXT_WORKING_DAY
    on_redirect: OnRedirect = OnRedirect.RESTART_ANSWER
    warn_at: tuple[float, ...] = Field(
        default=(0.75, 0.9), description="shares of a stage's time at which to warn"
    )
    escalation: tuple[Escalation, ...] = ()

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if StageKind.ANSWER not in self.stages:
            raise ValueError("a policy needs an `answer` stage")
        if any(not 0 < share < 1 for share in self.warn_at):
            raise ValueError("warn_at: each share must be between 0 and 1 (1 is the breach)")
        if list(self.warn_at) != sorted(set(self.warn_at)):
            raise ValueError("warn_at: shares must rise, each once")
        shares = [e.at for e in self.escalation]
        if shares != sorted(shares):
            raise ValueError("escalation: rungs must be listed in the order they are reached")
        rungs = [e.to for e in self.escalation]
        if len(set(rungs)) != len(rungs):
            raise ValueError("escalation: each rung once")
        return self


class PolicySet(Strict):
    version: int = Field(ge=1)
    policies: tuple[Policy, ...] = Field(min_length=1)
    default: PolicyId | None = Field(
        default=None, description="the policy of an appeal whose rule names none"
    )

    @model_validator(mode="after")
    def _unique(self) -> Self:
        ids = [p.id for p in self.policies]
        if len(set(ids)) != len(ids):
            duplicated = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"policy ids must be unique: {', '.join(duplicated)}")
        if self.default is not None and self.default not in ids:
            raise ValueError(f"default: no policy {self.default!r}")
        return self

    def policy(self, policy_id: str | None) -> Policy | None:
        """The policy named (or the default when none is named); None if there is none."""
        wanted = policy_id or self.default
        return next((p for p in self.policies if p.id == wanted), None)
