"""Real Kafka and PostgreSQL for the tests.

Order of preference: an explicit `KAFKA_BOOTSTRAP_SERVERS` / `POSTGRES_URL`; testcontainers
when a Docker engine answers; else the project's own `deploy/local` scripts, started on
free ports in a temporary directory and stopped at the end of the session (their start
time-outs scaled to the host, see tests.waiting).
"""

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.waiting import scaled

REPO = Path(__file__).resolve().parents[1]
LOCAL = REPO / "deploy" / "local"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _run(script: str, command: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(LOCAL / script), command],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=scaled(600),
    )
    if done.returncode != 0:
        raise RuntimeError(f"{script} {command} failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


@contextmanager
def kafka(workdir: Path) -> Iterator[str]:
    if given := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield given
        return
    if docker_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as container:
            yield container.get_bootstrap_server()
        return
    with local_kafka(workdir) as (bootstrap, _env):
        yield bootstrap


@contextmanager
def local_kafka(workdir: Path, **settings: str) -> Iterator[tuple[str, dict[str, str]]]:
    """The project's own broker (`deploy/local/kafka.sh`) on free ports under `workdir`,
    with extra `settings` (e.g. KAFKA_AUTH="scram"); yields its address and the
    environment that names it (for `kafka.sh add-user`), and stops it at the end."""
    env = {
        "KAFKA_DATA_DIR": str(workdir / "kafka"),
        "KAFKA_PORT": str(free_port()),
        "KAFKA_CONTROLLER_PORT": str(free_port()),
        "KAFKA_START_TIMEOUT": str(round(scaled(90))),
        **settings,
    }
    bootstrap = _run("kafka.sh", "start", env)
    try:
        yield bootstrap, env
    finally:
        _run("kafka.sh", "stop", env)


@contextmanager
def postgres(workdir: Path) -> Iterator[str]:
    """Yields a server URL for SQLAlchemy+asyncpg, without a database name."""
    if given := os.environ.get("POSTGRES_URL"):
        yield given
        return
    if docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver="asyncpg") as container:
            yield container.get_connection_url().rsplit("/", 1)[0]
        return
    env = {
        "PG_DATA_DIR": str(workdir / "postgres"),
        "PG_PORT": str(free_port()),
        "PG_START_TIMEOUT": str(round(scaled(60))),
    }
    url = _run("postgres.sh", "start", env)
    try:
        yield url.replace("postgresql:", "postgresql+asyncpg:", 1)
    finally:
        _run("postgres.sh", "stop", env)
