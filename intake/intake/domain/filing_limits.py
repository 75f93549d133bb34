"""How many appeals one citizen may file (pure): at most so many an hour and a day.

A limit refuses (HTTP 429 with `Retry-After`); it never holds an appeal for a moderator.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


class FilingLimited(Exception):
    """Too many appeals from one citizen: they may file again after `retry_after_s`."""

    def __init__(self, limit: int, per: str, retry_after_s: int) -> None:
        super().__init__(
            f"at most {limit} appeals {per} may be filed by one citizen;"
            f" try again in {retry_after_s} s"
        )
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class FilingLimits:
    per_hour: int = 10
    per_day: int = 30

    @property
    def remembered_for(self) -> timedelta:
        """How far back a citizen's filings count."""
        return DAY

    @property
    def most(self) -> int:
        """How many of the newest filings the check needs to see."""
        return max(self.per_hour, self.per_day)

    def check(self, filed: Sequence[datetime], now: datetime) -> None:
        """Raise `FilingLimited` unless one more appeal fits; `filed`: when the citizen
        filed within `remembered_for`, newest first (at least `most` of them if there are)."""
        quotas = ((self.per_hour, HOUR, "an hour"), (self.per_day, DAY, "a day"))
        waits = [
            (self._wait(filed, limit, window, now), limit, per) for limit, window, per in quotas
        ]
        wait, limit, per = max(waits, key=lambda w: w[0])
        if wait > timedelta(0):
            raise FilingLimited(limit, per, max(1, math.ceil(wait.total_seconds())))

    @staticmethod
    def _wait(filed: Sequence[datetime], limit: int, window: timedelta, now: datetime) -> timedelta:
        """How long until the `limit`-th newest filing in `window` leaves it."""
        within = [t for t in filed if t > now - window]
        if len(within) < limit:
            return timedelta(0)
        return within[limit - 1] + window - now
