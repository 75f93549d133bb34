"""The ticker: fires the marks that have come, then sleeps until the next one — or until
a transaction of this process writes an earlier one. At rest (nothing scheduled) it
touches the database not at all."""

import asyncio
import contextlib
from datetime import datetime
from typing import Any

import structlog

from services.clock import Clock
from sla_tracker.tracker import NEXT_AT, Tracker

log = structlog.get_logger(__name__)
RETRY_S = 1.0
BUSY_S = 0.05


class Ticker:
    def __init__(self, tracker: Tracker, clock: Clock, batch: int, passes: int = 2) -> None:
        """`passes`: transactions fired side by side while a backlog lasts (each takes
        other clocks: SKIP LOCKED), so one's database round trips overlap another's work."""
        self._tracker = tracker
        self._clock = clock
        self._batch = batch
        self._passes = passes
        self._wake = asyncio.Event()
        self.passes = 0
        """Passes made (tests wait on it)."""

    def committed(self, info: dict[Any, Any]) -> None:
        """After a commit: wake if the transaction scheduled a mark."""
        if info.get(NEXT_AT) is not None:
            self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                backlog = await self._tracker.tick(self._batch) >= self._batch
                while backlog:  # a burst falling due together: drained side by side
                    passes = (self._tracker.tick(self._batch) for _ in range(self._passes))
                    backlog = max(await asyncio.gather(*passes)) >= self._batch
                upcoming = await self._tracker.earliest()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("ticker pass failed; will retry", retry_in_s=RETRY_S)
                upcoming = None
                self._wake.set()
                await self._clock.sleep(RETRY_S)
            self.passes += 1
            await self._until(upcoming)

    async def _until(self, upcoming: datetime | None) -> None:
        """Sleep until `upcoming` (None: indefinitely) or a wake-up, whichever is first."""
        waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._wake.wait())]
        if upcoming is not None:
            delay = (upcoming - self._clock.now()).total_seconds()
            # Still due (a consumer's transaction held it, or time moved on meanwhile):
            # look again soon, in real time, whatever the clock.
            napping = self._clock.sleep(delay) if delay > 0 else asyncio.sleep(BUSY_S)
            waits.append(asyncio.ensure_future(napping))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiting
