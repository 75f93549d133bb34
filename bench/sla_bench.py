"""A million open deadlines: the sla-tracker's load, tick, burst and memory figures.

    uv run python -m bench.sla_bench [--clocks 1000000] [--due 500] [--burst 10000]
    make bench-sla ARGS="--clocks 100000"   (from the repository root; takes the machine)

Starts PostgreSQL (or uses `POSTGRES_URL`), creates a database with the service's real
schema (its alembic migrations) and drives the real `Tracker` and `Ticker` in this process
under the demo city's calendar and policies (deploy/demo-city). Figures are printed with
the baseline measured in the same run, never asserted. Targets (issue 11): firing lag p99
≤ 1 s, RSS ≤ 1 GB, one tick ≥ 100× cheaper than a naive scan.

1. **load**: `--clocks` open clocks, each built by the domain (`AppealClock` submitted and
   routed under `federal-59fz` or `operational`, at times spread over the last day, so
   their next marks spread over the coming days; `--due` of them routed 6.5 days ago, their
   first marks come) and its row made as the tracker makes it; inserted with asyncpg's
   `copy_records_to_table` (COPY, in chunks), then ANALYZE. Rows/s and the table's and
   its indexes' size.
2. **tick**: `Tracker.tick(due)` with the `--due` clocks due among all the others (restored
   before each of `--runs` runs, median), against a naive scan measured in the same run:
   read every clock (all rows, the stages JSON; streamed by a cursor) and ask the domain
   for `pending(now)` of each. Both must find the same clocks due.
3. **burst**: `--burst` clocks (`emergency`, submitted so that their first mark comes at
   one instant `--lead` s ahead) are copied in while the real `Ticker` runs (woken, as a
   consumer's commit in its process wakes it) with the service's batch; for every event it
   stages, the lag from the mark's instant to the commit of the transaction that staged it
   (the outbox relay to Kafka is not included).
4. **RSS** of this process (the tracker, plus the loader) after the load and after the
   burst: VmRSS and its high-water mark VmHWM (/proc/self/status).
"""

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from sqlalchemy import make_url

from bench.pipeline_bench import machine, percentile
from services.clock import SystemClock
from services.db import Database
from services.migrations import upgrade
from services.outbox import STAGED
from sla_tracker.city import SlaCity, read_sla_city
from sla_tracker.declaration import SERVICE
from sla_tracker.domain.clock import AppealClock
from sla_tracker.domain.policy import Policy
from sla_tracker.settings import SlaSettings
from sla_tracker.store import repository
from sla_tracker.ticker import Ticker
from sla_tracker.tracker import Tracker, clock_columns
from tests.infrastructure import postgres

CITY = Path(__file__).resolve().parent.parent / "deploy" / "demo-city"
BACKGROUND_POLICIES = ("federal-59fz", "operational")
BURST_POLICY = "emergency"
CATEGORIES = ("pothole", "fallen_tree", "water_leak", "garbage_collection", "noise")
EXECUTORS = 40
CHUNK = 20_000
"""Rows built and copied at a time (the loader never holds all of them)."""
COLUMNS = (
    "appeal_id",
    "policy_id",
    "category",
    "executor_id",
    "territory_ids",
    "stages",
    "next_at",
    "due_at",
    "updated_at",
)
Record = tuple[
    UUID, str, str | None, str | None, str, str, datetime | None, datetime | None, datetime
]


class Rows:
    """Clock rows made by the domain, column for column as the tracker saves them."""

    def __init__(self, city: SlaCity, now: datetime) -> None:
        self.city = city
        self.now = now

    def policy(self, policy_id: str) -> Policy:
        policy = self.city.policies.policy(policy_id)
        assert policy is not None, f"the demo city has no policy {policy_id!r}"
        return policy

    def clock(self, policy: Policy) -> AppealClock:
        return self.city.clock(policy)

    def record(self, clock: AppealClock, category: str, executor_id: str | None) -> Record:
        columns = clock_columns(clock, self.now)  # as the tracker stores a clock
        return (
            uuid4(),
            clock.policy.id,
            category,
            executor_id,
            "[]",
            columns["stages"],
            columns["next_at"],
            columns["due_at"],
            columns["updated_at"],
        )

    def routed(self, policy_id: str, at: datetime, rng: random.Random) -> Record:
        """An appeal filed a few hours before `at` and routed then."""
        clock = self.clock(self.policy(policy_id))
        clock.submitted(at - timedelta(hours=rng.uniform(0.5, 6)))
        executor = f"executor-{rng.randrange(EXECUTORS)}"
        clock.routed(at, executor)
        return self.record(clock, rng.choice(CATEGORIES), executor)

    def background(self, count: int, due: int, rng: random.Random) -> Iterator[list[Record]]:
        """`count` records in chunks: the first `due` routed 6.5 days ago (marks have come),
        the rest routed within the last day (their next marks days ahead)."""
        for start in range(0, count, CHUNK):
            chunk: list[Record] = []
            for n in range(start, min(count, start + CHUNK)):
                if n < due:
                    at = self.now - timedelta(days=6.5, seconds=n)
                    chunk.append(self.routed(BACKGROUND_POLICIES[0], at, rng))
                else:
                    at = self.now - timedelta(seconds=rng.uniform(0, 86_400))
                    chunk.append(self.routed(rng.choice(BACKGROUND_POLICIES), at, rng))
            yield chunk

    def burst(self, count: int, instant: datetime, rng: random.Random) -> list[Record]:
        """`count` appeals filed so that their first mark comes at `instant`."""
        probe = self.clock(self.policy(BURST_POLICY))
        probe.submitted(instant)
        first = probe.next_at()
        assert first is not None
        filed = instant - (first - instant)
        records = []
        for _ in range(count):
            clock = self.clock(probe.policy)
            clock.submitted(filed)
            assert clock.next_at() == instant
            records.append(self.record(clock, rng.choice(CATEGORIES), None))
        return records


def memory_mb() -> tuple[float, float]:
    """This process's resident set and its high-water mark, MB (VmRSS, VmHWM)."""
    found: dict[str, float] = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0]) / 1024
    return found["VmRSS"], found["VmHWM"]


@dataclass
class Figures:
    clocks: int = 0
    build_s: float = 0.0
    copy_s: float = 0.0
    table_mb: float = 0.0
    indexes_mb: float = 0.0
    due: int = 0
    ticks_s: list[float] = field(default_factory=list)
    tick_events: int = 0
    naive_s: float = 0.0
    naive_due: int = 0
    burst: int = 0
    burst_headroom_s: float = 0.0
    burst_transactions: int = 0
    lags_s: list[float] = field(default_factory=list)
    lag_source: str = ""
    rss_load: tuple[float, float] = (0.0, 0.0)
    rss_burst: tuple[float, float] = (0.0, 0.0)

    @property
    def load_s(self) -> float:
        return self.build_s + self.copy_s

    @property
    def tick_s(self) -> float:
        return statistics.median(self.ticks_s) if self.ticks_s else float("nan")

    def table(self) -> str:
        ratio = self.naive_s / self.tick_s if self.tick_s else float("nan")
        lags = self.lags_s
        rows = [
            (
                "load",
                f"{self.clocks:,} clocks in {self.load_s:.1f} s"
                f" ({self.clocks / self.load_s:,.0f} rows/s; domain {self.build_s:.1f} s,"
                f" COPY {self.copy_s:.1f} s)",
                "—",
            ),
            ("table + indexes", f"{self.table_mb:.0f} MB + {self.indexes_mb:.0f} MB", "—"),
            (
                "one tick",
                f"{1000 * self.tick_s:.0f} ms median of {len(self.ticks_s)}"
                f" ({self.due} due clocks, {self.tick_events} events)",
                "—",
            ),
            (
                "naive scan",
                f"{self.naive_s:.2f} s (all {self.clocks:,} clocks, {self.naive_due} found due)",
                "—",
            ),
            ("naive / tick", f"{ratio:,.0f}×", "≥ 100×"),
            (
                "burst firing lag",
                f"p50 {_ms(percentile(lags, 0.5))}, p99"
                f" {_ms(percentile(lags, 0.99))}, max {_ms(max(lags, default=float('nan')))}"
                f" ({len(lags):,} events, {self.burst_transactions} transactions)",
                "p99 ≤ 1 s",
            ),
            (
                "RSS after load",
                f"{self.rss_load[0]:.0f} MB (peak {self.rss_load[1]:.0f} MB)",
                "≤ 1 GB",
            ),
            (
                "RSS after burst",
                f"{self.rss_burst[0]:.0f} MB (peak {self.rss_burst[1]:.0f} MB)",
                "≤ 1 GB",
            ),
        ]
        lines = ["| figure | measured | target |", "|---|---|---|"]
        lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
        return "\n".join(lines)


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.0f} ms"


def plain(url: str) -> str:
    """An asyncpg DSN of a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def load(
    conn: asyncpg.Connection,
    rows: Rows,
    args: argparse.Namespace,
    rng: random.Random,
    figures: Figures,
) -> list[Record]:
    """Copy the clocks in; returns the due ones' records (to restore them between ticks)."""
    due: list[Record] = []
    for chunk in timed(rows.background(args.clocks, args.due, rng), figures):
        began = time.perf_counter()
        await conn.copy_records_to_table("clocks", records=chunk, columns=COLUMNS)
        figures.copy_s += time.perf_counter() - began
        due += [r for r in chunk if r[6] is not None and r[6] <= rows.now]
        figures.clocks += len(chunk)
        if figures.clocks % 100_000 == 0:
            print(f"  {figures.clocks:,} clocks", flush=True)
    began = time.perf_counter()
    await conn.execute("ANALYZE clocks")
    figures.copy_s += time.perf_counter() - began
    sizes = await conn.fetchrow(
        "SELECT pg_table_size('clocks') AS t, pg_indexes_size('clocks') AS i"
    )
    figures.table_mb, figures.indexes_mb = sizes["t"] / 2**20, sizes["i"] / 2**20
    return due


def timed(chunks: Iterator[list[Record]], figures: Figures) -> Iterator[list[Record]]:
    """The chunks, the domain's time to build them added to `figures.build_s`."""
    while True:
        began = time.perf_counter()
        chunk = next(chunks, None)
        figures.build_s += time.perf_counter() - began
        if chunk is None:
            return
        yield chunk


async def restore(conn: asyncpg.Connection, due: list[Record]) -> None:
    """Put the due clocks back as loaded, and empty the outbox."""
    async with conn.transaction():
        await conn.execute(
            "DELETE FROM clocks WHERE appeal_id = ANY($1::uuid[])", [r[0] for r in due]
        )
        await conn.copy_records_to_table("clocks", records=due, columns=COLUMNS)
        await conn.execute("DELETE FROM outbox_messages")


async def naive_scan(conn: asyncpg.Connection, rows: Rows, now: datetime) -> tuple[float, int]:
    """Seconds to read every clock and ask each for its pending marks; how many had some."""
    clocks = {p.id: rows.clock(p) for p in rows.city.policies.policies}
    found = 0
    began = time.perf_counter()
    async with conn.transaction():
        async for row in conn.cursor("SELECT policy_id, stages FROM clocks", prefetch=10_000):
            like = clocks[row["policy_id"]]
            clock = AppealClock(
                like.policy, like.due_at, repository.stages_from_json(row["stages"])
            )
            if clock.pending(now):
                found += 1
    return time.perf_counter() - began, found


async def tick_cost(
    conn: asyncpg.Connection,
    tracker: Tracker,
    rows: Rows,
    due: list[Record],
    runs: int,
    figures: Figures,
) -> None:
    figures.due = len(due)
    await restore(conn, due)
    figures.naive_s, figures.naive_due = await naive_scan(conn, rows, tracker.clock.now())
    for _ in range(runs):
        await restore(conn, due)
        began = time.perf_counter()
        looked = await tracker.tick(len(due))
        figures.ticks_s.append(time.perf_counter() - began)
        if looked != len(due):
            print(f"  the tick looked at {looked} clocks, not {len(due)}")
        figures.tick_events = await conn.fetchval("SELECT count(*) FROM outbox_messages")
    await conn.execute("DELETE FROM outbox_messages")


class Commits:
    """When each transaction that staged events committed (wall clock, in order)."""

    def __init__(self) -> None:
        self.at: list[datetime] = []
        self.recording = False

    def committed(self, info: dict[Any, Any]) -> None:
        if self.recording and info.get(STAGED):
            self.at.append(datetime.now(UTC))


async def burst(
    conn: asyncpg.Connection,
    db: Database,
    tracker: Tracker,
    rows: Rows,
    args: argparse.Namespace,
    rng: random.Random,
    figures: Figures,
) -> None:
    commits = Commits()
    db.on_commit(commits.committed)
    ticker = Ticker(tracker, tracker.clock, args.batch)
    db.on_commit(ticker.committed)
    running = asyncio.create_task(ticker.run())
    try:
        await asyncio.sleep(1.0)  # its first pass finds nothing due: it sleeps, at rest
        building = args.burst * figures.build_s / max(1, figures.clocks)  # about, or less
        ahead = args.lead + building + 0.5
        instant = (datetime.now(UTC) + timedelta(seconds=ahead)).replace(microsecond=0)
        records = rows.burst(args.burst, instant, rng)
        commits.recording = True
        await conn.copy_records_to_table("clocks", records=records, columns=COLUMNS)
        figures.burst_headroom_s = (instant - datetime.now(UTC)).total_seconds()
        ticker.wake()  # as a consumer's commit in the tracker's process does
        figures.burst = len(records)
        limit = time.monotonic() + ahead + 300
        while await conn.fetchval("SELECT count(*) FROM outbox_messages") < len(records):
            if time.monotonic() > limit:
                print("  the burst did not all fire within 5 minutes")
                break
            await asyncio.sleep(0.1)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        commits.recording = False
    groups = await conn.fetch(
        "SELECT created_at, count(*) AS n FROM outbox_messages GROUP BY created_at"
        " ORDER BY created_at"
    )
    figures.burst_transactions = len(groups)
    if len(groups) == len(commits.at):  # the k-th transaction to start committed k-th
        figures.lag_source = "commit of the staging transaction"
        pairs: list[tuple[datetime, int]] = [
            (c, g["n"]) for c, g in zip(commits.at, groups, strict=True)
        ]
    else:
        figures.lag_source = "start of the staging transaction (commits did not match)"
        pairs = [(g["created_at"], g["n"]) for g in groups]
    figures.lags_s = [(at - instant).total_seconds() for at, n in pairs for _ in range(n)]


async def run(url: str, args: argparse.Namespace) -> Figures:
    figures = Figures()
    rng = random.Random(args.seed)
    year = datetime.now(UTC).year
    city = read_sla_city(CITY, range(year - 1, year + 3))
    clock = SystemClock()
    rows = Rows(city, clock.now())
    db = Database(url, declaration=SERVICE)
    tracker = Tracker(db, clock, city)
    conn = await asyncpg.connect(plain(url))
    try:
        print(f"load: {args.clocks:,} clocks (COPY, {CHUNK:,} a chunk) ...", flush=True)
        due = await load(conn, rows, args, rng, figures)
        figures.rss_load = memory_mb()
        print(f"  loaded in {figures.load_s:.1f} s; {len(due)} due", flush=True)
        print(
            f"tick: {len(due)} due among {figures.clocks:,}, {args.runs} runs; naive scan once ...",
            flush=True,
        )
        await tick_cost(conn, tracker, rows, due, args.runs, figures)
        print(
            f"burst: {args.burst:,} clocks due together, ticker batch {args.batch} ...", flush=True
        )
        await burst(conn, db, tracker, rows, args, rng, figures)
        figures.rss_burst = memory_mb()
    finally:
        await conn.close()
        await db.dispose()
    return figures


def report(figures: Figures, args: argparse.Namespace) -> str:
    lines = [
        f"load: {figures.clocks:,} clocks, domain {figures.build_s:.1f} s + COPY and ANALYZE"
        f" {figures.copy_s:.1f} s = {figures.clocks / figures.load_s:,.0f} rows/s;"
        f" table {figures.table_mb:.0f} MB, indexes {figures.indexes_mb:.0f} MB",
        f"tick: {figures.due} due clocks, {figures.tick_events} events; runs "
        + ", ".join(f"{1000 * t:.0f}" for t in figures.ticks_s)
        + " ms;"
        f" naive scan {figures.naive_s:.2f} s ({figures.naive_due} found due)",
        f"burst: {figures.burst:,} clocks, the instant {figures.burst_headroom_s:.1f} s after"
        f" they were in; {len(figures.lags_s):,} events in {figures.burst_transactions}"
        f" transactions ({len(figures.lags_s) / max(figures.lags_s, default=1):,.0f}"
        f" events/s from the instant); lag to the {figures.lag_source}",
        figures.table(),
        machine(),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clocks", type=int, default=1_000_000, help="open clocks loaded")
    parser.add_argument("--due", type=int, default=500, help="of them due at the tick")
    parser.add_argument("--runs", type=int, default=5, help="tick runs (median)")
    parser.add_argument("--burst", type=int, default=10_000, help="clocks due at one instant")
    parser.add_argument("--lead", type=float, default=2.0, help="s from the burst's rows in to due")
    parser.add_argument(
        "--batch",
        type=int,
        default=SlaSettings.model_fields["tick_batch"].default,
        help="clocks the ticker fires a transaction (the service's SLA_TICK_BATCH default)",
    )
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if not 0 < args.due <= args.clocks:
        parser.error("--due must be between 1 and --clocks")
    with tempfile.TemporaryDirectory(prefix="sla-bench-") as tmp, postgres(Path(tmp)) as server_url:
        name = f"sla_bench_{uuid4().hex[:8]}"
        url = f"{server_url.rstrip('/')}/{name}"
        upgrade(f"{SERVICE.package}:store/migrations", url)
        try:
            figures = asyncio.run(run(url, args))
        finally:
            asyncio.run(drop(server_url, name))
    print(report(figures, args))


async def drop(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(plain(f"{server_url.rstrip('/')}/postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


if __name__ == "__main__":
    main()
