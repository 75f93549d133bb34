"""Use-case tests: services in one process over the in-memory broker, real PostgreSQL."""

from collections.abc import AsyncIterator

import pytest

from services.testing import InProcessPlatform, ServiceDatabases
from tests.infrastructure import REPO


@pytest.fixture(scope="session")
def databases(postgres_url: str) -> ServiceDatabases:
    return ServiceDatabases(postgres_url, REPO / "deploy" / "demo-city")


@pytest.fixture
async def platform(databases: ServiceDatabases) -> AsyncIterator[InProcessPlatform]:
    async with InProcessPlatform(databases, settings={"router": {"max_redirects": 1}}) as running:
        yield running
