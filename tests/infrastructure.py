"""Real Kafka and PostgreSQL for the tests.

Order of preference: an explicit `KAFKA_BOOTSTRAP_SERVERS` / `POSTGRES_URL`; testcontainers
when a Docker engine answers; else the project's own `deploy/local` scripts, started on
free ports in a temporary directory and stopped at the end of the session (their start
time-outs scaled to the host, see tests.waiting).

The Kafka the scripts start runs like `make up`'s, with SASL/SCRAM and ACLs
(`KAFKA_AUTH=scram`): see `SessionKafka`. A broker given in `KAFKA_BOOTSTRAP_SERVERS` or
from testcontainers is taken as open (PLAINTEXT, no credentials).
"""

import os
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from pydantic import SecretStr

from contracts.declarations import ServiceDeclaration
from services.kafka_connection import KafkaConnection
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


@dataclass
class SessionKafka:
    """The tests' broker and who signs in there.

    On a broker with SASL (the one `kafka()` starts itself) each service process signs in
    as its own principal (`service_env`; users and ACLs are made by `python -m services
    kafka-principals`, as `make up` does), and everything the harness does itself —
    producing and reading records, topics, dead-letter tools — signs in as `admin`, the
    superuser. On an open broker nobody signs in and every variable says PLAINTEXT.
    """

    admin: KafkaConnection
    scripts_env: dict[str, str] = field(default_factory=dict)
    """`deploy/local/kafka.sh`'s environment for the broker (data dir, ports), which
    `kafka.sh add-user` needs; empty for a broker the scripts did not start."""
    passwords: dict[str, str] = field(default_factory=dict)
    """Each user's password, made on first use and kept for the session."""
    provisioned: bool = False
    """Whether every declared service's user and ACLs exist (set by the harness)."""

    @classmethod
    def local(cls, bootstrap: str, scripts_env: Mapping[str, str]) -> "SessionKafka":
        """The `KAFKA_AUTH=scram` broker kafka.sh started with `scripts_env`."""
        password = (Path(scripts_env["KAFKA_DATA_DIR"]) / "admin.password").read_text().strip()
        admin = KafkaConnection(
            bootstrap, "SASL_PLAINTEXT", "SCRAM-SHA-512", "admin", SecretStr(password)
        )
        return cls(admin, dict(scripts_env))

    @property
    def secured(self) -> bool:
        return self.admin.uses_sasl

    def password(self, user: str) -> str:
        return self.passwords.setdefault(user, secrets.token_urlsafe(18))

    def signed_in_as(self, user: str) -> KafkaConnection:
        """A connection as `user` (a service's name, an executor's user), with its password."""
        assert self.secured, "an open broker has no users"
        return replace(self.admin, username=user, password=SecretStr(self.password(user)))

    def shared_env(self) -> dict[str, str]:
        """What every process is told: where Kafka is and how to connect (never whom as)."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.admin.bootstrap_servers,
            "KAFKA_SECURITY_PROTOCOL": self.admin.security_protocol,
            "KAFKA_SASL_MECHANISM": self.admin.sasl_mechanism,
        }

    def admin_env(self) -> dict[str, str]:
        """For the platform's tools (`python -m services topics | kafka-principals | dlq`),
        signed in as the admin, and for `kafka.sh add-user`."""
        if not self.secured:
            return self.shared_env()
        assert self.admin.username is not None
        assert self.admin.password is not None
        return {
            **self.shared_env(),
            "KAFKA_USERNAME": self.admin.username,
            "KAFKA_PASSWORD": self.admin.password.get_secret_value(),
            **self.scripts_env,
        }

    def service_env(self, service: ServiceDeclaration) -> dict[str, str]:
        """For a process of `service`: signed in as itself (`<PREFIX>_KAFKA_USERNAME`)."""
        if not self.secured:
            return self.shared_env()
        return {
            **self.shared_env(),
            f"{service.env_prefix}_KAFKA_USERNAME": service.name,
            f"{service.env_prefix}_KAFKA_PASSWORD": self.password(service.name),
        }


@contextmanager
def kafka(workdir: Path) -> Iterator[SessionKafka]:
    """The session's broker: `KAFKA_BOOTSTRAP_SERVERS` or testcontainers (taken as open),
    else `deploy/local/kafka.sh` with SASL/SCRAM and ACLs, like `make up`'s."""
    if given := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield SessionKafka(KafkaConnection(given))
        return
    if docker_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as container:
            yield SessionKafka(KafkaConnection(container.get_bootstrap_server()))
        return
    with local_kafka(workdir, KAFKA_AUTH="scram") as (bootstrap, env):
        yield SessionKafka.local(bootstrap, env)


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


def local_server_pids(workdir: Path) -> dict[str, int]:
    """The pids of the Kafka broker and the PostgreSQL postmaster that `kafka(workdir)` and
    `postgres(workdir)` started themselves (none for a given or containerised server)."""
    pid_files = {
        "kafka": workdir / "kafka" / "kafka.pid",
        "postgresql": workdir / "postgres" / "postmaster.pid",
    }
    return {
        server: int(path.read_text().split()[0])
        for server, path in pid_files.items()
        if path.is_file()
    }


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
