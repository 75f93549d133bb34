from collections.abc import Iterator

import pytest

from tests import infrastructure
from tests.infrastructure import SessionKafka


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SessionKafka]:
    """The session's broker: SASL/SCRAM and ACLs when the tests start it themselves (the
    harness's own clients sign in as `kafka.admin`), open when given or from testcontainers."""
    with infrastructure.kafka(tmp_path_factory.mktemp("infra")) as broker:
        yield broker


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with infrastructure.postgres(tmp_path_factory.mktemp("infra")) as url:
        yield url
