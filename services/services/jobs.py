"""Periodic jobs that run in exactly one instance of a service.

The instance that holds a PostgreSQL session-level advisory lock on its own connection is
the leader and runs the jobs; the others try to take the lock every `takeover_s` seconds.
When the leader dies its connection closes, PostgreSQL releases the lock, and a standby
takes over within `takeover_s`. Before each run the leader checks it still holds the lock
(after a database restart it may not), so two instances never run a job at once.

A job sleeps on the injected clock, so a test moves time instead of waiting for it. Idle
cost: a leader touches the database only when a job is due.
"""

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.clock import Clock
from services.db import Database
from services.metrics import JOB_RUNS, LEADER

log = structlog.get_logger(__name__)

JobBody = Callable[[], Awaitable[None]]


@dataclass
class Job:
    name: str
    every_s: float
    run: JobBody
    runs: int = field(default=0, init=False)
    """How many times it has completed in this process (tests wait on it)."""


def lock_key(name: str) -> int:
    """A stable, positive 63-bit advisory lock key for `name`."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") >> 1


class Leadership:
    """Who runs the jobs among the instances of one service (one database)."""

    def __init__(self, db: Database, name: str) -> None:
        self._db = db
        self._name = name
        self._key = lock_key(f"{name}:jobs")
        self._connection: AsyncConnection | None = None

    @property
    def is_leader(self) -> bool:
        return self._connection is not None

    async def try_lead(self) -> bool:
        """Take the lock if it is free (or confirm it is still ours); True if leader."""
        if self._connection is not None:
            if await self._still_held():
                return True
            await self._let_go("lost the leadership lock")
        connection = await self._db.engine.connect()
        try:
            taken = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            )
            await connection.commit()
        except BaseException:
            await connection.close()
            raise
        if not taken:
            await connection.close()
            return False
        self._connection = connection
        LEADER.labels(self._name).set(1)
        log.info("leading the periodic jobs", service=self._name)
        return True

    async def _still_held(self) -> bool:
        assert self._connection is not None
        try:
            held = await self._connection.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND pid = pg_backend_pid() AND objsubid = 1"
                    " AND (classid::bigint << 32 | objid::bigint) = :key"
                ),
                {"key": self._key},
            )
            await self._connection.commit()
        except Exception as error:  # the connection is gone: so is the lock
            log.warning("leadership connection lost", error=repr(error))
            return False
        return bool(held)

    async def _let_go(self, why: str) -> None:
        connection, self._connection = self._connection, None
        LEADER.labels(self._name).set(0)
        log.info("no longer leading the periodic jobs", reason=why)
        if connection is not None:
            try:
                await connection.invalidate()
            except Exception as error:  # already broken: nothing to give back
                log.debug("closing the leadership connection failed", error=repr(error))

    async def resign(self) -> None:
        if self._connection is not None:
            await self._let_go("stopping")


class JobRunner:
    """Runs each job every `every_s` seconds while this instance leads."""

    def __init__(
        self, db: Database, clock: Clock, *, service: str, takeover_s: float = 5.0
    ) -> None:
        self.jobs: list[Job] = []
        self.leadership = Leadership(db, service)
        self._clock = clock
        self._service = service
        self._takeover_s = takeover_s

    def add(self, name: str, every_s: float, run: JobBody) -> Job:
        if every_s <= 0:
            raise ValueError(f"job {name!r}: every_s must be positive")
        job = Job(name, every_s, run)
        self.jobs.append(job)
        return job

    async def run(self) -> None:
        """Until cancelled: lead (or wait to), and run each job when it is due."""
        if not self.jobs:
            return
        due = {job.name: self._clock.now() for job in self.jobs}
        try:
            while True:
                if not await self._lead():
                    await self._clock.sleep(self._takeover_s)
                    continue
                now = self._clock.now()
                for job in self.jobs:
                    if due[job.name] <= now:
                        await self._run_one(job)
                        due[job.name] = self._clock.now() + timedelta(seconds=job.every_s)
                wait = min(due.values()) - self._clock.now()
                await self._clock.sleep(max(wait.total_seconds(), 0.0))
        finally:
            await asyncio.shield(self.leadership.resign())

    async def _lead(self) -> bool:
        try:
            return await self.leadership.try_lead()
        except Exception as error:  # the database is down: try again later
            log.warning("cannot reach the database to lead the jobs", error=repr(error))
            return False

    async def _run_one(self, job: Job) -> None:
        try:
            await job.run()
        except asyncio.CancelledError:
            raise
        except Exception:
            JOB_RUNS.labels(self._service, job.name, "failed").inc()
            log.exception("periodic job failed; it runs again when next due", job=job.name)
            return
        job.runs += 1
        JOB_RUNS.labels(self._service, job.name, "ok").inc()
