"""Settings every service shares; each service subclasses with its own env prefix."""

import os
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.identity import TrustedIssuer
from services.kafka_connection import KafkaConnection, SaslMechanism, SecurityProtocol

LOCAL_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:55432"
"""The server `deploy/local/postgres.sh` starts."""


def database_on_shared_server(name: str) -> str:
    """Default URL of a service's database: `name` on `$POSTGRES_URL` (else the local one)."""
    return f"{os.environ.get('POSTGRES_URL', LOCAL_POSTGRES).rstrip('/')}/{name}"


class KafkaSettings(BaseSettings):
    """The Kafka every service and tool shares (never prefixed), except the credentials:
    each service has its own principal (`<PREFIX>_KAFKA_USERNAME`)."""

    model_config = SettingsConfigDict(extra="ignore")

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"),
        description="Kafka bootstrap servers (comma-separated host:port)",
    )
    kafka_topic_partitions: int = Field(
        default=3,
        ge=1,
        validation_alias=AliasChoices("KAFKA_TOPIC_PARTITIONS", "kafka_topic_partitions"),
        description="partitions for topics the platform creates",
    )
    kafka_security_protocol: SecurityProtocol = Field(
        default="PLAINTEXT",
        validation_alias=AliasChoices("KAFKA_SECURITY_PROTOCOL", "kafka_security_protocol"),
        description="PLAINTEXT (an open broker), SASL_PLAINTEXT or SASL_SSL",
    )
    kafka_sasl_mechanism: SaslMechanism = Field(
        default="SCRAM-SHA-512",
        validation_alias=AliasChoices("KAFKA_SASL_MECHANISM", "kafka_sasl_mechanism"),
        description="SASL mechanism when the protocol is SASL_*",
    )
    kafka_username: str | None = Field(
        default=None,
        description="Kafka principal (SASL); a service reads <PREFIX>_KAFKA_USERNAME,"
        " the platform's tools KAFKA_USERNAME",
    )
    kafka_password: SecretStr | None = Field(
        default=None,
        description="its password; <PREFIX>_KAFKA_PASSWORD for a service, else KAFKA_PASSWORD",
    )

    @property
    def kafka(self) -> KafkaConnection:
        """Where Kafka is and who we are there, for every Kafka client we build."""
        return KafkaConnection(
            self.kafka_bootstrap_servers,
            self.kafka_security_protocol,
            self.kafka_sasl_mechanism,
            self.kafka_username,
            self.kafka_password,
        )


class IdentitySettings(BaseSettings):
    """Whose tokens every service believes (never prefixed: one identity setup)."""

    model_config = SettingsConfigDict(extra="ignore")

    identity_issuers: list[TrustedIssuer] = Field(
        default_factory=list,
        validation_alias=AliasChoices("IDENTITY_ISSUERS", "identity_issuers"),
        description="JSON list of trusted token issuers: issuer, audience, jwks_url or jwks,"
        " roles_claim, organisation_claim, grants, default_roles (none: every token refused)",
    )
    identity_leeway_s: int = Field(
        default=60,
        ge=0,
        le=600,
        validation_alias=AliasChoices("IDENTITY_LEEWAY_S", "identity_leeway_s"),
        description="clock skew allowed when checking a token's exp, nbf and iat",
    )


class ServiceSettings(KafkaSettings, IdentitySettings):
    """Environment-driven settings. A service's subclass sets `env_prefix` (e.g. `INTAKE_`)
    so `INTAKE_DATABASE_URL` configures intake alone; Kafka is shared by all."""

    service_name: str = Field(description="name in logs, metrics, consumer groups and DLQ topics")
    database_url: str = Field(description="SQLAlchemy URL of the service's own database")
    http_host: str = Field(default="127.0.0.1", description="HTTP bind address")
    http_port: int = Field(description="HTTP port (API, /metrics, /health)")
    log_level: str = Field(default="INFO", description="minimum log level")
    log_format: Literal["json", "console"] = Field(default="json", description="log renderer")
    outbox_batch_size: int = Field(default=500, ge=1, description="rows the relay sends at once")
    db_pool_size: int = Field(
        default=10, ge=1, description="pooled database connections (as many again on demand)"
    )
    db_pool_pre_ping: bool = Field(
        default=False,
        description="test each pooled connection before use: a round trip per transaction;"
        " without it a connection the server dropped fails once, and is retried (consumers)"
        " or answered 503 with Retry-After (HTTP)",
    )
    consumer_batch_size: int = Field(
        default=200,
        ge=1,
        description="most records a consumer applies in one transaction (one inbox insert,"
        " one offset commit)",
    )
    consumer_batch_wait_ms: int = Field(
        default=50,
        ge=1,
        description="how long an idle consumer waits for records before it looks again",
    )
    outbox_poll_interval_s: float = Field(
        default=0.5,
        gt=0,
        description="relay poll period, used only while its LISTEN connection is down or"
        " another instance holds the relay lock (an idle relay otherwise never polls)",
    )
    docs_enabled: bool = Field(
        default=True, description="serve /docs, /redoc and /openapi.json (off in Kubernetes)"
    )
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="serve /metrics on this port alone, off the API's (internal-only)",
    )
    inbox_retention_days: float = Field(
        default=7.0,
        gt=0,
        description="how long the inbox remembers applied event ids (redeliveries older than"
        " this would be applied again; Kafka redelivers within hours)",
    )
    inbox_prune_every_s: float = Field(
        default=3600.0, gt=0, description="how often the leader instance prunes the inbox"
    )
    jobs_takeover_s: float = Field(
        default=5.0,
        gt=0,
        description="how often a standby instance tries to take over the periodic jobs",
    )
    startup_timeout_s: float = Field(
        default=120.0, gt=0, description="how long to wait for PostgreSQL and Kafka at start"
    )

    @field_validator("database_url")
    @classmethod
    def use_asyncpg(cls, url: str) -> str:
        """Accept the plain `postgresql://` URLs operators and operators' tools hand out."""
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+asyncpg://" + url.removeprefix(plain)
        return url
