from collections.abc import Iterator

import pytest

from tests.integration.platform import Platform, build_platform, provision


@pytest.fixture(scope="session")
def platform(
    kafka_bootstrap: str, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """intake, router and executor-gateway running against real Kafka and PostgreSQL."""
    running = build_platform(kafka_bootstrap, postgres_url, tmp_path_factory.mktemp("platform"))
    provision(running)
    try:
        for svc in running.services:
            svc.start()
        for svc in running.services:
            svc.wait_ready()
        yield running
    finally:
        for svc in running.services:
            svc.stop()
