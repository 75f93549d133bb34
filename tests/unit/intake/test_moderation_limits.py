"""Per-citizen filing limits: windows slide with the clock, and the wait is exact."""

from datetime import UTC, datetime, timedelta

import pytest

from intake.domain.filing_limits import FilingLimited, FilingLimits

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LIMITS = FilingLimits(per_hour=3, per_day=5)


def ago(*minutes: float) -> list[datetime]:
    """Filing times `minutes` before NOW, newest first."""
    return sorted((NOW - timedelta(minutes=m) for m in minutes), reverse=True)


def test_filings_under_both_limits_pass() -> None:
    LIMITS.check(ago(1, 2), NOW)
    LIMITS.check(ago(5, 10, 70, 80), NOW)  # two in the last hour, four in the day


def test_the_hourly_limit_refuses_until_the_oldest_of_the_hour_leaves_it() -> None:
    filed = ago(10, 20, 50)
    with pytest.raises(FilingLimited, match="at most 3 appeals an hour") as refused:
        LIMITS.check(filed, NOW)
    assert refused.value.retry_after_s == 10 * 60
    LIMITS.check(filed, NOW + timedelta(minutes=10, seconds=1))


def test_the_daily_limit_counts_a_sliding_24_hours() -> None:
    filed = ago(100, 200, 300, 400, 23 * 60)
    with pytest.raises(FilingLimited, match="at most 5 appeals a day") as refused:
        LIMITS.check(filed, NOW)
    assert refused.value.retry_after_s == 60 * 60
    LIMITS.check(filed, NOW + timedelta(hours=1, seconds=1))


def test_the_longer_wait_is_the_one_told() -> None:
    filed = ago(1, 2, 3, 600, 700)  # both limits are reached: the day's ends later
    with pytest.raises(FilingLimited) as refused:
        LIMITS.check(filed, NOW)
    assert refused.value.retry_after_s == (24 * 60 - 700) * 60


def test_a_wait_under_a_second_is_told_as_one() -> None:
    filed = [NOW - timedelta(hours=1) + timedelta(milliseconds=300)] * 3
    with pytest.raises(FilingLimited) as refused:
        LIMITS.check(filed, NOW)
    assert refused.value.retry_after_s == 1
