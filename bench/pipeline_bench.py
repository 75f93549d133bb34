"""The whole pipeline at rising fixed rates: intake → Kafka → router → executor-gateway.

    uv run python -m bench.pipeline_bench [--rates 25,50,100,200,300,500] [--seconds 15]
                                          [--routers 2]
    make bench-pipeline                   (from the repository root; takes the machine)

Starts Kafka (SASL/SCRAM and ACLs) and PostgreSQL (or uses `KAFKA_BOOTSTRAP_SERVERS` /
`POSTGRES_URL`), provisions topics, principals, databases and the demo city, and runs every
declared service as its own process, as the integration tests do (with their high filing
limits, `TEST_ENV`); `--routers N` adds N-1 router instances (the same consumer groups
and database: they share the partitions). Everything is stopped at the end, whatever
happened.

The load is open-loop: an asyncio client POSTs /appeals at a fixed rate, each send at
t0 + i/rate whatever the answers, for `--seconds` per rate after a short warm-up, as
citizens with pre-made tokens (many subjects: the filing limits are per citizen). Every
appeal is one the demo city always routes (roads, greenery, utilities, waste) at its own
point of a grid over the municipality, `SPACING_M` apart per category, so none is ever a
duplicate (those are linked within 50 m). Started before the load, one consumer (as the
Kafka admin) reads the executors' topics from their end.

Per rate it prints the POST latency, the intake→assignment latency (from sending the POST
to the `AssignmentIssued` record for that appeal on an executor's topic), how many were
assigned, whether the backlog (sent − assigned, sampled each second) grows, and the CPU
seconds per appeal of each service (and of the router instances together), of Kafka and
of PostgreSQL (postmaster and backends) from /proc, from the window's start until its
appeals were all assigned. It goes to the next rate only while the last one kept up, and
ends with the highest rate whose p99 stays under `--p99-ms` with no growing backlog.
Figures are printed, never asserted.
"""

import argparse
import asyncio
import itertools
import json
import math
import os
import platform as host
import random
import re
import signal
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import aiohttp
from aiokafka import AIOKafkaConsumer
from shapely.geometry import Point, shape

from services.identity import Role
from services.kafka import list_topics
from services.kafka_connection import KafkaConnection
from services.local_issuer import LocalIssuer
from tests.infrastructure import kafka, local_server_pids, postgres
from tests.integration.idle import cpu_seconds, tree_cpu_seconds
from tests.integration.platform import (
    CITY,
    ISSUER,
    TEST_ENV,
    Platform,
    build_platform,
    provision,
)

ROUTED_CATEGORIES = (
    "pothole",
    "road_marking",
    "traffic_light",
    "snow_removal",
    "fallen_tree",
    "park_lighting",
    "heating_outage",
    "hot_water_outage",
    "water_leak",
    "garbage_collection",
    "dumpster_overflow",
)
"""Categories the demo city's rules route to an executor at any point of the municipality
(deploy/demo-city/test_points.json)."""
SPACING_M = 130.0
"""Between two points of the grid: more than twice the duplicate radius (50 m)."""
ASSIGNMENTS = r"^executor\..+\.assignments$"
METRES_PER_DEGREE = 111_195.0


def appeal_bodies(city: Path, seed: int = 7) -> list[bytes]:
    """Request bodies of appeals that are always routed and never duplicates: every
    category at every point of a grid inside the municipality, in a shuffled order."""
    features = json.loads((city / "territories.geojson").read_text())["features"]
    [municipality] = [f for f in features if f["properties"]["kind"] == "municipality"]
    area = shape(municipality["geometry"]).buffer(-0.002)  # off the edges
    west, south, east, north = area.bounds
    dlat = SPACING_M / METRES_PER_DEGREE
    dlon = dlat / math.cos(math.radians((south + north) / 2))
    points = [
        (round(south + i * dlat, 6), round(west + j * dlon, 6))
        for i in range(int((north - south) / dlat) + 1)
        for j in range(int((east - west) / dlon) + 1)
        if area.contains(Point(west + j * dlon, south + i * dlat))
    ]
    plan = [(category, point) for point in points for category in ROUTED_CATEGORIES]
    random.Random(seed).shuffle(plan)
    return [
        json.dumps(
            {
                "category": category,
                "location": {"lat": lat, "lon": lon},
                "text": f"Прошу устранить неисправность в отмеченном месте, заявка {n}",
            }
        ).encode()
        for n, (category, (lat, lon)) in enumerate(plan)
    ]


CITIZENS = LocalIssuer.generate("http://127.0.0.1/pipeline-bench-citizens")
"""Citizens sign in with a citizens' provider, as in production (phone sign-in, ESIA): it
may grant only `citizen`, so no service looks the caller up in the staff directory."""


def citizens_trusted() -> str:
    """IDENTITY_ISSUERS: the tests' staff issuer and the citizens' one."""
    staff = json.loads(TEST_ENV.get("IDENTITY_ISSUERS", "[]")) or [
        ISSUER.trusted().model_dump(mode="json")
    ]
    citizens = CITIZENS.trusted(grants=[Role.CITIZEN], default_roles=[Role.CITIZEN])
    return json.dumps([*staff, citizens.model_dump(mode="json")])


def citizen_headers(count: int) -> list[dict[str, str]]:
    """Request headers of `count` citizens (tokens signed before any timing)."""
    return [
        {
            "Authorization": f"Bearer {CITIZENS.token(f'pipeline-bench-citizen-{i}')}",
            "Content-Type": "application/json",
        }
        for i in range(count)
    ]


@dataclass
class Sent:
    """One POST: when it went out and what came back (times on the event loop's clock)."""

    at: float
    answered_at: float | None = None
    status: str | None = None
    """The HTTP status, or the client error's name."""
    appeal_id: str | None = None


class Assignments:
    """The `AssignmentIssued` records on the executors' topics, by appeal: when each first
    arrived (on the event loop's clock)."""

    def __init__(self, connection: KafkaConnection) -> None:
        self.arrived: dict[str, float] = {}
        self._connection = connection
        self._consumer = AIOKafkaConsumer(
            **connection.client_options(),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            metadata_max_age_ms=5000,
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Subscribe from the end of every executor topic; return once positioned there."""
        expected = {t for t in await list_topics(self._connection) if re.match(ASSIGNMENTS, t)}
        await self._consumer.start()
        self._consumer.subscribe(pattern=ASSIGNMENTS)
        deadline = time.monotonic() + 60
        while {tp.topic for tp in self._consumer.assignment()} < expected:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the consumer was never assigned {sorted(expected)}")
            await asyncio.sleep(0.2)
        for partition in self._consumer.assignment():
            await self._consumer.position(partition)
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batches = await self._consumer.getmany(timeout_ms=100, max_records=10_000)
            now = loop.time()
            for records in batches.values():
                for record in records:
                    event = json.loads(record.value)
                    if event.get("type") == "AssignmentIssued":
                        self.arrived.setdefault(event["appeal_id"], now)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank `q` percentile (0 < q ≤ 1) of `values`; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def slope(samples: Sequence[tuple[float, int]]) -> float:
    """Least-squares rise per second of (time, value) samples."""
    if len(samples) < 2:
        return 0.0
    mean_t = sum(t for t, _ in samples) / len(samples)
    mean_v = sum(v for _, v in samples) / len(samples)
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    return sum((t - mean_t) * (v - mean_v) for t, v in samples) / var if var else 0.0


@dataclass
class RateFigures:
    rate: float
    seconds: float
    sent: list[Sent]
    latencies: list[float]
    """Intake→assignment of the appeals assigned, seconds."""
    outstanding: list[tuple[float, int]]
    """(seconds into the window, sent − assigned) each second of the window."""
    drained_after: float | None
    """Seconds from the last send until every appeal was assigned; None if not soon."""
    cpu: dict[str, float]
    """CPU seconds per process over the measurement, by name."""
    cpu_elapsed: float
    send_lag_max: float
    """How late the client sent its latest POST (it shares the machine)."""
    p99_target: float
    load: float
    """The host's 1-minute load average when the rate began (other work on it shows)."""

    @property
    def created(self) -> list[Sent]:
        return [s for s in self.sent if s.appeal_id is not None]

    @property
    def growing(self) -> bool:
        """The backlog rose through the window and did not drain soon after it."""
        rising = slope(self.outstanding) > max(1.0, 0.02 * self.rate)
        return rising and self.drained_after is None

    @property
    def kept_up(self) -> bool:
        """Every appeal created and assigned, and no growing backlog."""
        everything = len(self.latencies) == len(self.created) == len(self.sent)
        return everything and not self.growing

    @property
    def sustained(self) -> bool:
        """Every appeal assigned, p99 within the target and no growing backlog."""
        return self.kept_up and percentile(self.latencies, 0.99) <= self.p99_target

    @property
    def posts(self) -> list[float]:
        """POST latencies (request sent → answer), seconds."""
        return [s.answered_at - s.at for s in self.sent if s.answered_at is not None]

    def report(self) -> str:
        statuses: dict[str, int] = {}
        for s in self.sent:
            statuses[s.status or "?"] = statuses.get(s.status or "?", 0) + 1
        peak = max((v for _, v in self.outstanding), default=0)
        drained = (
            f"all assigned {self.drained_after:.1f} s after the last send"
            if self.drained_after is not None
            else "NOT drained"
        )
        backlog = f"{'GROWS' if self.growing else 'steady'}: peak {peak}"
        n = max(1, len(self.sent))
        lag_ms = 1000 * self.send_lag_max
        return "\n".join(
            [
                f"rate {self.rate:g}/s for {self.seconds:g} s (load average {self.load:.1f}):"
                f" {len(self.sent)} sent"
                f" (latest send {lag_ms:.0f} ms late), statuses {statuses}",
                f"  POST               {spread(self.posts)}",
                f"  intake→assignment  {spread(self.latencies)}"
                f"  assigned {len(self.latencies)}/{len(self.created)}",
                f"  backlog {backlog}, {slope(self.outstanding):+.1f}/s in the window, {drained}",
                f"  CPU per appeal and cores used over {self.cpu_elapsed:.1f} s:",
                *(
                    f"    {name:<20} {1000 * cpu / n:7.2f} ms {cpu / self.cpu_elapsed:6.2f} cores"
                    for name, cpu in self.cpu.items()
                ),
            ]
        )


def spread(values: Sequence[float]) -> str:
    """p50, p99 and max of latencies."""
    top = max(values, default=math.nan)
    return f"p50 {ms(percentile(values, 0.5))}  p99 {ms(percentile(values, 0.99))}  max {ms(top)}"


def ms(seconds: float) -> str:
    return f"{1000 * seconds:7.0f} ms" if seconds < 10 else f"{seconds:7.1f} s "


class Bench:
    """Sends appeals to a running platform and measures what happens to them."""

    def __init__(
        self,
        platform: Platform,
        watched: dict[str, int],
        citizens: int,
        totals: dict[str, list[str]] | None = None,
    ) -> None:
        self.watched = watched
        """Process name → pid whose CPU (with its children's) is measured."""
        self.totals = totals or {}
        """Name → the watched processes whose CPU it sums (the router instances)."""
        self.bodies = iter(appeal_bodies(CITY))
        self.citizens = itertools.cycle(citizen_headers(citizens))
        self.assignments = Assignments(platform.kafka)
        self.sent: list[Sent] = []

    def cpu(self) -> dict[str, float]:
        figures = {name: tree_cpu_seconds(pid) for name, pid in self.watched.items()}
        totals = {name: sum(figures[p] for p in parts) for name, parts in self.totals.items()}
        return figures | totals | {"load client (this)": cpu_seconds(os.getpid())}

    async def at_rest(self, seconds: float) -> str:
        """The cores each process uses with no load, over `seconds`."""
        before = self.cpu()
        await asyncio.sleep(seconds)
        after = self.cpu()
        used = ", ".join(f"{n} {(after[n] - before[n]) / seconds:.2f}" for n in after)
        return f"at rest, cores used: {used}"

    def outstanding(self) -> int:
        failed = sum(1 for s in self.sent if s.status is not None and s.appeal_id is None)
        return len(self.sent) - failed - len(self.assignments.arrived)

    async def _post(self, client: aiohttp.ClientSession, sent: Sent, body: bytes) -> None:
        try:
            async with client.post("/appeals", data=body, headers=next(self.citizens)) as answer:
                sent.status = str(answer.status)
                if answer.status == 201:
                    sent.appeal_id = str((await answer.json())["id"])
        except (aiohttp.ClientError, TimeoutError) as error:
            sent.status = type(error).__name__
        sent.answered_at = asyncio.get_running_loop().time()

    async def fire(
        self, client: aiohttp.ClientSession, rate: float, seconds: float
    ) -> tuple[list[Sent], float, list[tuple[float, int]]]:
        """Send at `rate` for `seconds` (open loop); return what was sent, how late the
        latest send was and the backlog sampled each second."""
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.05
        sent: list[Sent] = []
        tasks: set[asyncio.Task[None]] = set()
        samples: list[tuple[float, int]] = []
        lag = 0.0
        for i in range(round(rate * seconds)):
            due = start + i / rate
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
            now = loop.time()
            lag = max(lag, now - due)
            if now - start >= len(samples) + 1:
                samples.append((now - start, self.outstanding()))
            sent.append(Sent(now))
            self.sent.append(sent[-1])
            task = asyncio.create_task(self._post(client, sent[-1], next(self.bodies)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks)
        return sent, lag, samples

    async def drain(self, sent: list[Sent], limit: float) -> float | None:
        """Seconds until every appeal of `sent` is assigned, if within `limit`."""
        loop = asyncio.get_running_loop()
        began = loop.time()
        while loop.time() - began <= limit:
            missing = [
                s for s in sent if s.appeal_id and s.appeal_id not in self.assignments.arrived
            ]
            if not missing:
                return loop.time() - began
            await asyncio.sleep(0.05)
        return None

    async def measure(
        self, client: aiohttp.ClientSession, rate: float, seconds: float, drain_s: float, p99: float
    ) -> RateFigures:
        loop = asyncio.get_running_loop()
        load = os.getloadavg()[0]
        cpu_before, cpu_from = self.cpu(), loop.time()
        sent, lag, samples = await self.fire(client, rate, seconds)
        window_end = loop.time()
        drained = await self.drain(sent, drain_s)
        if drained is None:  # behind: wait for the rest (up to a minute) for the figures
            await self.drain(sent, 60)
        cpu_after, cpu_to = self.cpu(), loop.time()
        if drained is not None and sent:  # counted from the last send
            drained += window_end - sent[-1].at
        arrived = self.assignments.arrived
        return RateFigures(
            rate=rate,
            seconds=seconds,
            sent=sent,
            latencies=[arrived[s.appeal_id] - s.at for s in sent if s.appeal_id in arrived],
            outstanding=samples,
            drained_after=drained,
            cpu={name: cpu_after[name] - cpu_before[name] for name in cpu_after},
            cpu_elapsed=cpu_to - cpu_from,
            send_lag_max=lag,
            p99_target=p99,
            load=load,
        )


async def run(
    platform: Platform,
    watched: dict[str, int],
    args: argparse.Namespace,
    totals: dict[str, list[str]] | None = None,
) -> list[RateFigures]:
    rates = [float(r) for r in args.rates.split(",")]
    bench = Bench(platform, watched, args.citizens, totals)
    # aiohttp rather than httpx: the load client shares the machine, and costs a third.
    # Keep-alive shorter than the server's (uvicorn: 5 s), or a reused connection may close.
    connector = aiohttp.TCPConnector(limit=2000, keepalive_timeout=3.0)
    timeout = aiohttp.ClientTimeout(total=120.0)
    await bench.assignments.start()
    try:
        print(await bench.at_rest(args.rest), flush=True)
        async with aiohttp.ClientSession(
            base_url=platform.intake.url, connector=connector, timeout=timeout
        ) as client:
            warm = await bench.measure(client, rates[0], args.warmup, 30, args.p99_ms / 1000)
            print(
                f"warm-up at {rates[0]:g}/s for {args.warmup:g} s: {len(warm.latencies)} assigned"
            )
            results: list[RateFigures] = []
            for rate in rates:
                print(f"rate {rate:g}/s ...", flush=True)
                figures = await bench.measure(
                    client, rate, args.seconds, args.drain, args.p99_ms / 1000
                )
                results.append(figures)
                print(figures.report(), flush=True)
                if not figures.kept_up:
                    print(f"fell behind at {rate:g}/s: not trying higher rates")
                    break
            return results
    finally:
        await bench.assignments.stop()


def summary(results: list[RateFigures], p99_ms: float) -> str:
    names = list(results[0].cpu) if results else []
    head = "| rate | load | i→a p50 | i→a p99 | i→a max | POST p99 | backlog | " + " | ".join(
        f"{name} ms" for name in names
    )
    rows = [head + " |", "|" + "---|" * (7 + len(names))]
    for f in results:
        n = max(1, len(f.sent))
        rows.append(
            f"| {f.rate:g}/s | {f.load:.1f} | {ms(percentile(f.latencies, 0.5)).strip()}"
            f" | {ms(percentile(f.latencies, 0.99)).strip()}"
            f" | {ms(max(f.latencies, default=math.nan)).strip()}"
            f" | {ms(percentile(f.posts, 0.99)).strip()}"
            f" | {'grows' if f.growing else 'steady'} | "
            + " | ".join(f"{1000 * f.cpu[name] / n:.2f}" for name in names)
            + " |"
        )
    best = max((f.rate for f in results if f.sustained), default=None)
    verdict = (
        f"highest rate with intake→assignment p99 ≤ {p99_ms:g} ms and no growing backlog:"
        f" {best:g} appeals/s"
        if best is not None
        else f"no rate tried kept intake→assignment p99 ≤ {p99_ms:g} ms"
    )
    return "\n".join([*rows, verdict, machine()])


def machine() -> str:
    model = "unknown CPU"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"machine: {os.cpu_count()} CPUs ({model}), {host.system()} {host.release()}"


def _terminated(signum: int, frame: Any) -> NoReturn:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="25,50,100,200,300,500", help="appeals/s, rising")
    parser.add_argument("--seconds", type=float, default=15.0, help="window per rate")
    parser.add_argument("--warmup", type=float, default=5.0, help="at the first rate, unmeasured")
    parser.add_argument("--rest", type=float, default=5.0, help="CPU at rest measured this long")
    parser.add_argument(
        "--drain", type=float, default=5.0, help="a backlog must drain this soon after a window"
    )
    parser.add_argument("--p99-ms", type=float, default=250.0, help="the latency target")
    parser.add_argument("--citizens", type=int, default=2000, help="distinct citizens filing")
    parser.add_argument(
        "--routers", type=int, default=1, help="router instances sharing the load (one group)"
    )
    args = parser.parse_args()
    if args.routers < 1:
        parser.error("--routers must be at least 1")
    rates = [float(r) for r in args.rates.split(",")]
    needed = rates[0] * args.warmup + sum(rates) * args.seconds
    if needed > (planned := len(appeal_bodies(CITY))):
        parser.error(f"the rates need {needed:.0f} appeals; the grid has {planned}")
    signal.signal(signal.SIGTERM, _terminated)  # stop everything on the way out, as on ^C
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as tmp:
        workdir = Path(tmp)
        with kafka(workdir) as broker, postgres(workdir) as server_url:
            env = {**TEST_ENV, "IDENTITY_ISSUERS": citizens_trusted()}
            platform = build_platform(broker, server_url, workdir, env)
            provision(platform)
            with platform.started(), ExitStack() as extra:
                watched = {s.declaration.name: s.pid for s in platform.services if s.pid}
                routers = [platform.router.declaration.name]
                for n in range(2, args.routers + 1):
                    router = platform.router.another(workdir / f"router-{n}.log")
                    extra.enter_context(router.started())
                    assert router.pid is not None
                    routers.append(f"{routers[0]}-{n}")
                    watched[routers[-1]] = router.pid
                watched |= local_server_pids(workdir)
                pids = ", ".join(f"{name} {pid}" for name, pid in watched.items())
                print(f"ready (pids: {pids}); logs in {workdir}", flush=True)
                totals = {f"routers ({len(routers)})": routers} if len(routers) > 1 else {}
                results = asyncio.run(run(platform, watched, args, totals))
    print(summary(results, args.p99_ms))


if __name__ == "__main__":
    main()
