"""Periodic jobs run in exactly one instance; a standby takes over when the leader dies."""

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from uuid import uuid4

import asyncpg
import pytest

from services.clock import FakeClock
from services.db import Database
from services.jobs import JobRunner
from services.migrations import create_database_if_missing
from tests.infrastructure import REPO


@pytest.fixture
async def database_url(postgres_url: str) -> str:
    url = f"{postgres_url}/jobs_{uuid4().hex[:8]}"
    await create_database_if_missing(url)
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    await conn.execute("CREATE TABLE job_runs (instance text NOT NULL, at timestamptz NOT NULL)")
    await conn.close()
    return url


async def runs(url: str) -> list[tuple[str, float]]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        rows = await conn.fetch(
            "SELECT instance, extract(epoch FROM at) AS t FROM job_runs ORDER BY at"
        )
    finally:
        await conn.close()
    return [(r["instance"], float(r["t"])) for r in rows]


async def test_one_instance_runs_the_jobs_and_the_clock_decides_when(postgres_url: str) -> None:
    url = f"{postgres_url}/jobs_{uuid4().hex[:8]}"
    await create_database_if_missing(url)
    clock = FakeClock()
    ran: list[str] = []
    runners, tasks = [], []
    for name in ("a", "b"):
        runner = JobRunner(Database(url), clock, service="jobs-test", takeover_s=1.0)

        async def job(name: str = name) -> None:
            ran.append(name)

        runner.add("job", 60.0, job)
        runners.append(runner)
        tasks.append(asyncio.create_task(runner.run()))
    try:
        await wait_for(lambda: len(ran) == 1 and clock.sleepers == 2)
        leader = ran[0]
        await clock.advance(59.0)
        await asyncio.sleep(0.2)
        assert ran == [leader], "a job ran before it was due"
        await clock.advance(1.0)
        await wait_for(lambda: len(ran) == 2)
        await clock.advance(60.0)
        await wait_for(lambda: len(ran) == 3)
        await clock.advance(5.0)  # the standby tries again, and is refused
        await asyncio.sleep(0.2)
        assert ran == [leader] * 3
        assert sum(r.leadership.is_leader for r in runners) == 1
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def wait_for(condition: object, timeout_s: float = 30.0) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met"
        await asyncio.sleep(0.01)


async def runs_of(url: str, instance: str, at_least: int, timeout_s: float = 60.0) -> None:
    """Wait until `instance` has run the job `at_least` times."""
    deadline = time.monotonic() + timeout_s
    while sum(i == instance for i, _ in await runs(url)) < at_least:
        assert time.monotonic() < deadline, f"{instance} ran fewer than {at_least} times"
        await asyncio.sleep(0.2)


@pytest.fixture
def workers() -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    started: dict[str, subprocess.Popen[bytes]] = {}
    yield started
    for process in started.values():
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


async def test_a_standby_takes_over_when_the_leader_is_killed(
    database_url: str, workers: dict[str, subprocess.Popen[bytes]]
) -> None:
    def start(instance: str) -> None:
        workers[instance] = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.job_worker", database_url, instance],
            cwd=REPO,
        )

    start("first")
    await runs_of(database_url, "first", 3)
    start("second")
    await asyncio.sleep(2.0)  # the second runs as a standby: it must not run the job
    assert {i for i, _ in await runs(database_url)} == {"first"}, "two instances ran the job"
    workers["first"].send_signal(signal.SIGKILL)
    workers["first"].wait(timeout=30)
    await runs_of(database_url, "second", 3)
    after = await runs(database_url)
    last_first = max(t for i, t in after if i == "first")
    first_second = min(t for i, t in after if i == "second")
    assert first_second > last_first, "the two instances' runs overlap"
    print(f"takeover: {first_second - last_first:.2f} s after the leader's last run")
