import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from itertools import count
from pathlib import Path

import pytest

from tests.infrastructure import SessionKafka
from tests.integration.platform import (
    TEST_ENV,
    Platform,
    ServiceProcess,
    build_platform,
    provision,
    stop_strays,
)

# Scenario settings the tests rely on (a redirect sends an appeal to the manual queue).


@pytest.fixture(scope="session", autouse=True)
def no_process_left_behind() -> Iterator[None]:
    """The safety net: whatever service process a test or fixture left running is
    stopped when the session ends (and reported, since its owner should have)."""
    yield
    if strays := stop_strays():
        warnings.warn(f"stopped service processes left running: {strays}", stacklevel=1)


@pytest.fixture(scope="session")
def platform(
    kafka: SessionKafka, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """Every declared service running against real Kafka (each signed in as itself when
    it has users) and PostgreSQL."""
    running = build_platform(kafka, postgres_url, tmp_path_factory.mktemp("platform"), TEST_ENV)
    provision(running)
    with running.started():
        yield running


@pytest.fixture(autouse=True)
def revive_platform(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that killed a service and failed before restarting it does not take the
    tests after it down too: a dead platform service is started again after each test."""
    yield
    running = request.node.funcargs.get("platform")
    if isinstance(running, Platform):
        for service in running.services:
            if not service.alive:
                service.start()
                service.wait_ready()


@pytest.fixture
def another_instance(tmp_path: Path) -> Iterator[Callable[[ServiceProcess], ServiceProcess]]:
    """Starts another instance of a service (its settings and database, its own port),
    ready to use; stopped when the test ends, whatever happened."""
    numbers = count(2)
    with ExitStack() as instances:

        def start(service: ServiceProcess) -> ServiceProcess:
            log = tmp_path / f"{service.module}-{next(numbers)}.log"
            return instances.enter_context(service.another(log).started())

        yield start
