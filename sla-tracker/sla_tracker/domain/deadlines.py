"""When a stage is due, and when to warn and escalate (pure).

Days are counted in the city's time zone from the day after the stage starts, as Russian
law counts terms (Civil Code art. 191–193): a stage of 30 calendar days started on 1 March
ends with 31 March; one of 8 working days ends with the 8th working day after the start.
A stage ends when its last day does (local midnight); with `off_day: next_working_day` a
last day that is not worked moves to the next working day. A stage in hours (or minutes)
ends that long after it started, round the clock (emergencies).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sla_tracker.domain.calendar import ProductionCalendar
from sla_tracker.domain.policy import Duration, OffDay, Policy, Rung, Unit


def due_at(
    started: datetime,
    duration: Duration,
    calendar: ProductionCalendar,
    zone: ZoneInfo,
    off_day: OffDay = OffDay.NEXT_WORKING_DAY,
) -> datetime:
    """The instant (UTC) a stage started at `started` (aware) of `duration` is due."""
    if started.tzinfo is None:
        raise ValueError("started must be timezone-aware")
    if duration.unit is Unit.HOURS:
        return (started + timedelta(hours=duration.within)).astimezone(UTC)
    if duration.unit is Unit.MINUTES:
        return (started + timedelta(minutes=duration.within)).astimezone(UTC)
    first = started.astimezone(zone).date()
    if duration.unit is Unit.WORKING_DAYS:
        last = calendar.add_working_days(first, duration.within)
    else:
        last = first + timedelta(days=duration.within)
        if off_day is OffDay.NEXT_WORKING_DAY:
            last = calendar.next_working_day(last)
    return end_of(last, zone)


def end_of(day: date, zone: ZoneInfo) -> datetime:
    """The instant `day` ends in `zone` (its local midnight), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Mark:
    """A moment of a stage worth an event: a warning, the breach, an escalation rung."""

    at: datetime
    kind: str
    """`warning`, `breach` or `escalation`."""
    share: float
    """How much of the stage's time has passed then (1.0: the breach)."""
    rung: Rung | None = None


def marks(started: datetime, due: datetime, policy: Policy) -> list[Mark]:
    """Every warning, the breach and every escalation of a stage from `started` to `due`,
    in time order (a rung reached at the breach comes right after it)."""
    span = due - started

    def at(share: float) -> datetime:
        return started + span * share

    found = [Mark(at(share), "warning", share) for share in policy.warn_at]
    found.append(Mark(due, "breach", 1.0))
    found += [Mark(at(e.at), "escalation", e.at, e.to) for e in policy.escalation]
    order = {"warning": 0, "breach": 1, "escalation": 2}
    return sorted(found, key=lambda m: (m.at, order[m.kind]))
