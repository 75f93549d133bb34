"""SIGKILL PostgreSQL and restart it while appeals flow: every acknowledged appeal is routed,
assigned and shown to the citizen; the API answers 503 + Retry-After meanwhile, never 500;
and no healthy message is dead-lettered."""

import asyncio
import os
import re
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from services.identity import Role
from services.kafka import list_topics
from services.kafka_connection import KafkaConnection
from tests.infrastructure import LOCAL, SessionKafka, free_port
from tests.integration.kafka_io import Record, read_all, scalar
from tests.integration.platform import (
    TEST_ENV,
    Platform,
    auth_headers,
    build_platform,
    eventually,
    provision,
)
from tests.waiting import scaled

DEAD_LETTERS = r"^dlq\..*"
ACKNOWLEDGED_BEFORE_KILL = 20
ACKNOWLEDGED_AFTER_RESTART = 20
TRANSIENT_LOG = "transient fault, retrying"


@dataclass
class OwnPostgres:
    """A PostgreSQL cluster of this test's own (deploy/local/postgres.sh), to kill at will."""

    data_dir: Path
    port: int = field(default_factory=free_port)

    def start(self) -> str:
        """Start (again) on the same port and data; returns the SQLAlchemy server URL."""
        url = self._script("start")
        return url.replace("postgresql:", "postgresql+asyncpg:", 1)

    def kill(self) -> None:
        """SIGKILL the postmaster: no shutdown, crash recovery on the next start."""
        pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        self._script("stop")

    def _script(self, command: str) -> str:
        env = {
            **os.environ,
            "PG_DATA_DIR": str(self.data_dir),
            "PG_PORT": str(self.port),
            "PG_START_TIMEOUT": str(round(scaled(60))),
        }
        done = subprocess.run(
            [str(LOCAL / "postgres.sh"), command],
            env=env,
            capture_output=True,
            text=True,
            timeout=scaled(300),
        )
        assert done.returncode == 0, f"postgres.sh {command}:\n{done.stderr[-3000:]}"
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[tuple[OwnPostgres, str]]:
    postgres = OwnPostgres(tmp_path / "postgres")
    url = postgres.start()
    try:
        yield postgres, url
    finally:
        postgres.stop()


@pytest.fixture
def session_platform_paused(platform: Platform) -> Iterator[None]:
    """The session's platform shares Kafka's consumer groups (they are named after the
    services): it is stopped while this test runs its own, and started again after."""
    for service in platform.services:
        service.stop()
    try:
        yield
    finally:
        for service in platform.services:
            service.start()
        for service in platform.services:
            service.wait_ready()


@pytest.fixture
def outage_platform(
    kafka: SessionKafka,
    own_postgres: tuple[OwnPostgres, str],
    session_platform_paused: None,
    tmp_path: Path,
) -> Iterator[Platform]:
    """Every service, with their databases on this test's own PostgreSQL."""
    _, url = own_postgres
    running = build_platform(kafka, url, tmp_path, TEST_ENV)
    provision(running)
    with running.started():
        yield running


def grid() -> Iterator[dict[str, float]]:
    """Points about 110 m apart inside the city: no appeal is another's duplicate (50 m)."""
    for row in range(16):
        for column in range(65):
            yield {"lat": 62.040 + row * 0.001, "lon": 129.661 + column * 0.002}


@dataclass
class Citizens:
    """Several citizens submitting appeals until told to stop; every answer is recorded."""

    intake_url: str
    answers: list[httpx.Response] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _points: Iterator[dict[str, float]] = field(default_factory=grid)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def acknowledged(self) -> list[str]:
        return [str(r.json()["id"]) for r in list(self.answers) if r.status_code == 201]

    def unavailable(self) -> list[httpx.Response]:
        return [r for r in list(self.answers) if r.status_code == 503]

    @contextmanager
    def submitting(self, citizens: int = 4) -> Iterator["Citizens"]:
        threads = [
            threading.Thread(target=self._submit, args=(f"outage-citizen-{n}",))
            for n in range(citizens)
        ]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=scaled(60))

    def _submit(self, subject: str) -> None:
        headers = auth_headers(Role.CITIZEN, subject=subject)
        with httpx.Client(timeout=scaled(30), headers=headers) as client:
            while not self.stop.wait(0.02):
                with self._lock:
                    point = next(self._points, None)
                if point is None:
                    return
                try:
                    answer = client.post(
                        f"{self.intake_url}/appeals",
                        json={"category": "hot_water_outage", "location": point, "text": "Нет"},
                    )
                except httpx.HTTPError as error:
                    self.unanswered.append(repr(error))
                    continue
                self.answers.append(answer)


def backlog(platform: Platform) -> Callable[[list[str]], int]:
    """How many of the given appeals the router has not decided yet."""

    def behind(appeal_ids: list[str]) -> int:
        ids = ", ".join(f"'{i}'" for i in appeal_ids)
        routed = scalar(
            platform.router.database_url,
            f"SELECT count(DISTINCT appeal_id) FROM routing_decisions WHERE appeal_id IN ({ids})",
        )
        return len(appeal_ids) - routed

    return behind


def dead_letters(kafka: KafkaConnection) -> list[Record]:
    """Every record on a dead-letter (`dlq.`) topic (reading is skipped when there is none: aiokafka's
    consumer fails to stop after it was assigned no partition)."""
    if not any(re.fullmatch(DEAD_LETTERS, t) for t in asyncio.run(list_topics(kafka))):
        return []
    return read_all(kafka, DEAD_LETTERS)


def test_a_database_killed_and_restarted_loses_and_parks_nothing(
    outage_platform: Platform, own_postgres: tuple[OwnPostgres, str]
) -> None:
    platform, (postgres, _) = outage_platform, own_postgres
    parked_before = {(r.topic, r.partition, r.offset) for r in dead_letters(platform.kafka)}
    router_backlog = backlog(platform)
    with Citizens(platform.intake.url).submitting() as citizens:
        eventually(
            lambda: (
                len(citizens.acknowledged) >= ACKNOWLEDGED_BEFORE_KILL
                and router_backlog(citizens.acknowledged) > 0
            ),
            what="appeals to flow, the router some way behind",
        )
        postgres.kill()
        eventually(lambda: len(citizens.unavailable()) >= 3, what="intake to notice the outage")
        restarted_at = len(citizens.answers)
        postgres.start()
        eventually(
            lambda: (
                sum(r.status_code == 201 for r in citizens.answers[restarted_at:])
                >= ACKNOWLEDGED_AFTER_RESTART
            ),
            what="appeals to flow again after the restart",
        )

    assert citizens.unanswered == [], "intake answers even while its database is down"
    statuses = {r.status_code for r in citizens.answers}
    assert statuses <= {201, 503}, f"only 201 or 503, never a server error: {statuses}"
    for response in citizens.unavailable():
        assert re.fullmatch(r"\d+", response.headers.get("Retry-After", "")), response.headers
        assert response.json()["detail"]

    acknowledged = citizens.acknowledged
    ids = ", ".join(f"'{i}'" for i in acknowledged)

    def count(service_url: str, sql: str) -> int:
        return scalar(service_url, sql.format(ids=ids))

    eventually(
        lambda: (
            count(
                platform.router.database_url,
                "SELECT count(DISTINCT appeal_id) FROM routing_decisions"
                " WHERE outcome = 'routed' AND appeal_id IN ({ids})",
            )
            == len(acknowledged)
        ),
        timeout_s=120,
        what="the router to route every acknowledged appeal",
    )
    eventually(
        lambda: (
            count(
                platform.gateway.database_url,
                "SELECT count(*) FROM assignments"
                " WHERE executor_id = 'heat-utility' AND appeal_id IN ({ids})",
            )
            == len(acknowledged)
        ),
        timeout_s=120,
        what="the executor to have every acknowledged appeal in its assignments",
    )
    eventually(
        lambda: (
            count(
                platform.intake.database_url,
                "SELECT count(*) FROM appeals WHERE status = 'routed' AND id IN ({ids})",
            )
            == len(acknowledged)
        ),
        timeout_s=120,
        what="the citizen to see every acknowledged appeal routed",
    )
    parked = [
        r
        for r in dead_letters(platform.kafka)
        if (r.topic, r.partition, r.offset) not in parked_before
    ]
    assert parked == [], [(r.topic, r.headers.get("dlq-reason")) for r in parked]
    retried = [s.module for s in platform.services if TRANSIENT_LOG in s.log_path.read_text()]
    assert retried, "the outage was expected to hit at least one consumer mid-flow"
