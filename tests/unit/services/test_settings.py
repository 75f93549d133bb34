import pytest

from intake.settings import IntakeSettings
from router.settings import RouterSettings


def test_each_service_reads_its_own_prefix_and_the_shared_kafka(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTAKE_DATABASE_URL", "postgresql+asyncpg://u@db:5432/intake_x")
    monkeypatch.setenv("ROUTER_HTTP_PORT", "9100")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    intake, router = IntakeSettings(), RouterSettings()
    assert intake.database_url.endswith("/intake_x")
    assert (intake.http_port, router.http_port) == (8001, 9100)
    assert (
        intake.kafka_bootstrap_servers
        == router.kafka_bootstrap_servers
        == "kafka-1:9092,kafka-2:9092"
    )


def test_a_shared_server_url_names_each_services_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGRES_URL", "postgresql+asyncpg://app:secret@pg:5432/")
    assert RouterSettings().database_url == "postgresql+asyncpg://app:secret@pg:5432/router"


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_plain_postgres_urls_get_the_async_driver(
    monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    monkeypatch.setenv("ROUTER_DATABASE_URL", f"{scheme}://app:secret@pg:5432/router")
    assert RouterSettings().database_url == "postgresql+asyncpg://app:secret@pg:5432/router"
