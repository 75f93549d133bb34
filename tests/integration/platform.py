"""Every declared service as a separate process, on free ports, with its own database.

On a Kafka with SASL/SCRAM and ACLs (the one the tests start themselves) each service
signs in as its own principal, made by `python -m services kafka-principals` as `make up`
does, so a service touching a topic its declaration does not name fails here as it would
in production; the tests' own clients sign in as the admin (`Platform.kafka`).

Every process started here is registered until it is stopped: `stop_strays()` (run by the
session fixture and at interpreter exit) kills whatever a test left running, and on Linux
a service also gets SIGTERM when the test process dies (`setpriv --pdeathsig`).
"""

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from uuid import uuid4

import httpx

from contracts.declarations import ServiceDeclaration, declaration_of, declared_services
from services.identity import Role
from services.kafka_connection import KafkaConnection
from services.local_issuer import LocalIssuer
from tests.infrastructure import REPO, SessionKafka, free_port
from tests.waiting import describe, eventually, scaled

__all__ = [
    "CITY",
    "Platform",
    "ServiceProcess",
    "build_platform",
    "eventually",
    "provision",
    "provision_principals",
]

CITY = REPO / "deploy" / "demo-city"
# The service dies with the test process that started it (Linux; the starting thread).
DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []
_RUNNING: dict[subprocess.Popen[bytes], str] = {}
"""Started, not yet stopped: process → what it is (for the stray report)."""


@dataclass
class ServiceProcess:
    module: str
    """The service's package (`python -m <module> serve`)."""
    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def declaration(self) -> ServiceDeclaration:
        return declaration_of(self.module)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        return self.env[self.declaration.database_variable]

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _full_env(self) -> dict[str, str]:
        return {**os.environ, **self.env, self.declaration.port_variable: str(self.port)}

    def another(self, log_path: Path) -> "ServiceProcess":
        """A second instance: same settings and database, its own port and log."""
        return ServiceProcess(self.module, dict(self.env), log_path)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a one-off command of the service (migrate, load-city, rules publish…)."""
        done = subprocess.run(
            [sys.executable, "-m", self.module, *args],
            env={**self._full_env(), "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=scaled(300),
        )
        if check:
            assert done.returncode == 0, f"{self.module} {args}:\n{done.stdout}\n{done.stderr}"
        return done

    def start(self) -> None:
        assert not self.alive, f"{self.module} is already running (pid {self.pid})"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*DIE_WITH_PARENT, sys.executable, "-m", self.module, "serve"],
                env=self._full_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _RUNNING[self.process] = f"{self.module} on port {self.port} (log {self.log_path})"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        """Wait while the process lives until /health/ready answers 200, for `timeout_s`
        scaled to the host (tests.waiting)."""
        limit = scaled(timeout_s)
        deadline = time.monotonic() + limit
        probe = f"{self.url}/health/ready"
        last = "no answer yet"
        while True:
            assert self.process is not None, f"{self.module} was never started"
            if self.process.poll() is not None:
                raise AssertionError(
                    f"{self.module} exited with {self.process.returncode} before it was"
                    f" ready:\n{self.log_tail()}"
                )
            try:
                response = httpx.get(probe, timeout=2)
                if response.status_code == 200:
                    return
                last = f"HTTP {response.status_code} {response.text[:200]}"
            except httpx.HTTPError as error:
                last = f"{type(error).__name__} {error}"
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.module} (pid {self.pid}) not ready after"
                    f" {describe(timeout_s, limit)}: GET {probe} last gave {last}\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.3)

    @contextmanager
    def started(self) -> Iterator["ServiceProcess"]:
        """Start, wait until ready, and stop on the way out whatever happened."""
        self.start()
        try:
            self.wait_ready()
            yield self
        finally:
            self.stop()

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no offset commits, nothing flushed."""
        assert self.process is not None, f"{self.module} was never started"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        _RUNNING.pop(self.process, None)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 30 s; a no-op when not running."""
        if self.process is not None:
            _stop(self.process)

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
    _RUNNING.pop(process, None)


def stop_strays() -> list[str]:
    """Stop every service process still running; say which they were."""
    strays = [what for process, what in list(_RUNNING.items()) if process.poll() is None]
    for process in list(_RUNNING):
        _stop(process)
    return strays


atexit.register(stop_strays)


@dataclass
class Platform:
    broker: SessionKafka
    """The Kafka the services use."""
    by_name: dict[str, ServiceProcess]
    """Every declared service, by its declared name."""

    @property
    def kafka(self) -> KafkaConnection:
        """How the tests' own clients reach Kafka (as its admin when it has users)."""
        return self.broker.admin

    @property
    def services(self) -> list[ServiceProcess]:
        return list(self.by_name.values())

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.by_name[name]

    @staticmethod
    def auth(
        role: Role, *, organisation: str | None = None, subject: str | None = None
    ) -> dict[str, str]:
        """Headers of a caller with `role` (executor staff: of `organisation`)."""
        return auth_headers(role, organisation=organisation, subject=subject)

    @property
    def intake(self) -> ServiceProcess:
        return self["intake"]

    @property
    def router(self) -> ServiceProcess:
        return self["router"]

    @property
    def gateway(self) -> ServiceProcess:
        return self["executor-gateway"]

    @contextmanager
    def started(self) -> Iterator["Platform"]:
        """Start every service, wait until all are ready, stop them all on the way out."""
        try:
            for service in self.services:
                service.start()
            for service in self.services:
                service.wait_ready()
            yield self
        finally:
            for service in self.services:
                service.stop()


TEST_ENV = {
    "ROUTER_MAX_REDIRECTS": "1",
    # One citizen files hundreds of appeals in the crash and outage tests.
    "INTAKE_APPEALS_PER_HOUR": "100000",
    "INTAKE_APPEALS_PER_DAY": "100000",
}
"""The settings every test platform runs with."""

ISSUER = LocalIssuer.generate("http://127.0.0.1/test-issuer")
"""Signs the tests' tokens; every service of a test platform trusts it."""


def auth_headers(
    role: Role, *, organisation: str | None = None, subject: str | None = None
) -> dict[str, str]:
    """An `Authorization` header for a caller with `role`, valid for an hour."""
    token = ISSUER.token(
        subject or f"{role}-{organisation or 'test'}", [role], organisation=organisation
    )
    return {"Authorization": f"Bearer {token}"}


def build_platform(
    kafka: SessionKafka,
    postgres_url: str,
    workdir: Path,
    extra_env: Mapping[str, str] | None = None,
) -> Platform:
    """Every declared service with a fresh database of its own, signed in to Kafka as
    itself; `extra_env` goes to all."""
    suffix = uuid4().hex[:8]
    shared = {
        "LOG_LEVEL": "INFO",
        "IDENTITY_ISSUERS": json.dumps([ISSUER.trusted().model_dump(mode="json")]),
        **(extra_env or {}),
    }

    def service(declared: ServiceDeclaration) -> ServiceProcess:
        env = {
            **kafka.service_env(declared),
            **shared,
            declared.database_variable: f"{postgres_url}/{declared.database}_{suffix}",
            f"{declared.env_prefix}_OUTBOX_POLL_INTERVAL_S": "0.2",
        }
        return ServiceProcess(declared.package, env, workdir / f"{declared.package}.log")

    return Platform(kafka, {d.name: service(d) for d in declared_services()})


def _platform_tool(*args: str, env: Mapping[str, str]) -> None:
    """`python -m services ARGS` (signed in as `env` says); fails with its output."""
    done = subprocess.run(
        [sys.executable, "-m", "services", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=scaled(300),
    )
    assert done.returncode == 0, f"services {args}:\n{done.stdout}\n{done.stderr}"


def provision_principals(kafka: SessionKafka) -> None:
    """Every declared service's Kafka user and ACLs, made as `make up` makes them (by
    `python -m services kafka-principals`, given each service's password); once a broker."""
    if not kafka.secured or kafka.provisioned:
        return
    env: dict[str, str] = {}
    for declared in declared_services():
        env |= kafka.service_env(declared)
    _platform_tool("kafka-principals", env=env | kafka.admin_env())
    kafka.provisioned = True


def provision(platform: Platform) -> None:
    """Topics, the services' Kafka principals, their databases and the demo city."""
    _platform_tool("topics", env=platform.broker.admin_env())
    provision_principals(platform.broker)
    for svc in platform.services:
        svc.run("migrate")
        svc.run("load-city", str(CITY))
