"""Every Kafka client the chassis builds signs in the same way, from one set of settings:
the shared protocol and mechanism, and each service's own principal."""

import pytest
from faststream.security import SASLScram512
from pydantic import SecretStr

from intake.settings import IntakeSettings
from router.settings import RouterSettings
from services.kafka_connection import KafkaConnection, kafka_connection
from services.settings import KafkaSettings


def test_by_default_kafka_is_open_and_needs_no_credentials() -> None:
    connection = IntakeSettings().kafka
    assert connection.client_options() == {
        "bootstrap_servers": connection.bootstrap_servers,
        "security_protocol": "PLAINTEXT",
    }
    assert connection.faststream_security() is None
    assert kafka_connection("kafka:9092") == KafkaConnection("kafka:9092")


def test_each_service_signs_in_as_its_own_principal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("INTAKE_KAFKA_USERNAME", "intake")
    monkeypatch.setenv("INTAKE_KAFKA_PASSWORD", "intake-secret")
    monkeypatch.setenv("ROUTER_KAFKA_USERNAME", "router")
    monkeypatch.setenv("ROUTER_KAFKA_PASSWORD", "router-secret")
    monkeypatch.setenv("KAFKA_USERNAME", "admin")
    monkeypatch.setenv("KAFKA_PASSWORD", "admin-secret")
    intake = IntakeSettings().kafka
    assert intake.client_options() | {"bootstrap_servers": None} == {
        "bootstrap_servers": None,
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "intake",
        "sasl_plain_password": "intake-secret",
    }
    security = intake.faststream_security()
    assert isinstance(security, SASLScram512)
    assert (security.username, security.password, security.use_ssl) == (
        "intake",
        "intake-secret",
        False,
    )
    assert RouterSettings().kafka.username == "router"
    assert KafkaSettings().kafka.username == "admin", "the platform's tools"
    assert "intake-secret" not in repr(intake), "the password is never printed"


def test_sasl_without_credentials_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="username and a password"):
        KafkaConnection("kafka:9092", "SASL_PLAINTEXT", username="intake")


def test_sasl_over_tls_verifies_the_broker() -> None:
    connection = KafkaConnection("kafka:9093", "SASL_SSL", "SCRAM-SHA-512", "a", SecretStr("b"))
    context = connection.client_options()["ssl_context"]
    assert context.check_hostname
    security = connection.faststream_security()
    assert security is not None
    assert security.use_ssl
