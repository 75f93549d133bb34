"""Answers nobody judged in time close: a periodic job (leader only) stages
`AppealClosed(no_verdict)` for every answered appeal whose verdict window has ended."""

from datetime import timedelta

import structlog

from contracts.events import AppealClosed, AppealClosedPayload, CloseReason
from intake.own_events import PRODUCER, take_step
from intake.store import repository
from services.clock import Clock
from services.db import Database

log = structlog.get_logger(__name__)


class UnconfirmedAnswers:
    def __init__(self, db: Database, clock: Clock, window: timedelta, batch: int) -> None:
        self._db = db
        self._clock = clock
        self._window = window
        self._batch = batch

    async def close_overdue(self) -> int:
        """Close every overdue appeal, a batch per transaction; returns how many. Idempotent:
        a closed appeal is no longer answered, and rows another instance holds are left
        to it."""
        closed = 0
        while True:
            async with self._db.transaction() as session:
                now = self._clock.now()
                rows = await repository.overdue_for_verdict(
                    session, now - self._window, self._batch
                )
                for row in rows:
                    event = AppealClosed(
                        appeal_id=row.id,
                        producer=PRODUCER,
                        correlation_id=row.id,
                        occurred_at=now,
                        payload=AppealClosedPayload(
                            reason=CloseReason.NO_VERDICT, executor_id=row.executor_id
                        ),
                    )
                    await take_step(session, row, event)
            closed += len(rows)
            if len(rows) < self._batch:
                break
        if closed:
            log.info("closed answers nobody judged in time", closed=closed)
        return closed

    async def run(self) -> None:
        """The job's body."""
        await self.close_overdue()
