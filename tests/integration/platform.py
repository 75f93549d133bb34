"""The three services as separate processes, on free ports, with their own databases."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from uuid import uuid4

import httpx

from tests.infrastructure import REPO, free_port

CITY = REPO / "deploy" / "demo-city"
T = TypeVar("T")
ENV_PREFIX = {"intake": "INTAKE", "router": "ROUTER", "executor_gateway": "GATEWAY"}


@dataclass
class ServiceProcess:
    module: str
    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        return self.env[f"{ENV_PREFIX[self.module]}_DATABASE_URL"]

    def _full_env(self) -> dict[str, str]:
        return {
            **os.environ,
            **self.env,
            f"{ENV_PREFIX[self.module]}_HTTP_PORT": str(self.port),
        }

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a one-off command of the service (migrate, load-city, rules publish…)."""
        done = subprocess.run(
            [sys.executable, "-m", self.module, *args],
            env={**self._full_env(), "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert done.returncode == 0, f"{self.module} {args}:\n{done.stdout}\n{done.stderr}"
        return done

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module, "serve"],
            env=self._full_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"{self.module} exited:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"{self.module} not ready in {timeout_s}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no offset commits, nothing flushed."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Platform:
    kafka_bootstrap: str
    intake: ServiceProcess
    router: ServiceProcess
    gateway: ServiceProcess

    @property
    def services(self) -> list[ServiceProcess]:
        return [self.intake, self.router, self.gateway]


def build_platform(kafka_bootstrap: str, postgres_url: str, workdir: Path) -> Platform:
    suffix = uuid4().hex[:8]
    shared = {"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "LOG_LEVEL": "INFO"}

    def service(module: str) -> ServiceProcess:
        prefix = ENV_PREFIX[module]
        env = {
            **shared,
            f"{prefix}_DATABASE_URL": f"{postgres_url}/{module}_{suffix}",
            f"{prefix}_OUTBOX_POLL_INTERVAL_S": "0.2",
            "ROUTER_MAX_REDIRECTS": "1",
        }
        return ServiceProcess(module, env, workdir / f"{module}.log")

    return Platform(
        kafka_bootstrap, service("intake"), service("router"), service("executor_gateway")
    )


def provision(platform: Platform) -> None:
    subprocess.run(
        [sys.executable, "-m", "services", "topics"],
        env={**os.environ, "KAFKA_BOOTSTRAP_SERVERS": platform.kafka_bootstrap},
        check=True,
        capture_output=True,
        timeout=120,
    )
    for svc in platform.services:
        svc.run("migrate")
        svc.run("load-city", str(CITY))


def eventually(
    probe: Callable[[], T | None],
    *,
    timeout_s: float = 60.0,
    what: str = "",
    diagnose: Callable[[], str] | None = None,
) -> T:
    """Poll `probe` until it returns something truthy; on time-out, say what `diagnose` sees."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            seen = f"\n{diagnose()}" if diagnose else ""
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what or probe}{seen}")
        time.sleep(0.2)
