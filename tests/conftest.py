from collections.abc import Iterator

import pytest

from tests.infrastructure import kafka, postgres


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with kafka(tmp_path_factory.mktemp("infra")) as bootstrap:
        yield bootstrap


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with postgres(tmp_path_factory.mktemp("infra")) as url:
        yield url
