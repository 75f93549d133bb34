"""The system clock and the fake one keep the same promises (one contract, two backends)."""

import asyncio
from datetime import UTC, timedelta

import pytest

from services.clock import Clock, FakeClock, SystemClock


class ClockContract:
    def make(self) -> Clock:
        raise NotImplementedError

    async def let_pass(self, clock: Clock, seconds: float) -> None:
        """Let `seconds` pass on `clock` (the wall clock waits; a fake one is moved)."""
        raise NotImplementedError

    def test_now_is_timezone_aware_utc(self) -> None:
        now = self.make().now()
        assert now.tzinfo is not None
        assert now.utcoffset() == timedelta(0)
        assert now.astimezone(UTC) == now

    async def test_a_sleeper_wakes_once_its_time_has_passed(self) -> None:
        clock = self.make()
        before = clock.now()
        sleeper = asyncio.create_task(clock.sleep(0.05))
        await asyncio.sleep(0)
        assert not sleeper.done()
        await self.let_pass(clock, 0.06)
        await asyncio.wait_for(sleeper, timeout=5)
        assert clock.now() - before >= timedelta(seconds=0.05)

    async def test_sleepers_wake_in_the_order_of_their_deadlines(self) -> None:
        clock = self.make()
        woke: list[str] = []

        async def sleep(name: str, seconds: float) -> None:
            await clock.sleep(seconds)
            woke.append(name)

        tasks = [asyncio.create_task(sleep("late", 0.08)), asyncio.create_task(sleep("soon", 0.02))]
        await asyncio.sleep(0)
        await self.let_pass(clock, 0.1)
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=5)
        assert woke == ["soon", "late"]


class TestSystemClock(ClockContract):
    def make(self) -> Clock:
        return SystemClock()

    async def let_pass(self, clock: Clock, seconds: float) -> None:
        await asyncio.sleep(seconds)


class TestFakeClock(ClockContract):
    def make(self) -> Clock:
        return FakeClock()

    async def let_pass(self, clock: Clock, seconds: float) -> None:
        assert isinstance(clock, FakeClock)
        await clock.advance(seconds)

    async def test_time_stands_still_until_moved(self) -> None:
        clock = FakeClock()
        before = clock.now()
        sleeper = asyncio.create_task(clock.sleep(3600))
        await asyncio.sleep(0.01)
        assert clock.now() == before
        assert not sleeper.done()
        await clock.advance(3599)
        assert not sleeper.done()
        await clock.advance(1)
        assert sleeper.done()

    @pytest.mark.parametrize("seconds", [0, -1])
    async def test_a_sleep_of_no_time_returns_at_once(self, seconds: float) -> None:
        await asyncio.wait_for(FakeClock().sleep(seconds), timeout=1)
