"""How to reach Kafka: the bootstrap servers and, on a secured cluster, who we are.

One value carries both, so every client the chassis builds — the FastStream broker and
the direct aiokafka producers, consumers and admin clients — authenticates the same way.
"""

import ssl
from dataclasses import dataclass
from typing import Any, Literal

from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from pydantic import SecretStr

SecurityProtocol = Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]

_FASTSTREAM_SASL: dict[str, type[SASLPlaintext | SASLScram256 | SASLScram512]] = {
    "SCRAM-SHA-512": SASLScram512,
    "SCRAM-SHA-256": SASLScram256,
    "PLAIN": SASLPlaintext,
}


@dataclass(frozen=True)
class KafkaConnection:
    """Bootstrap servers plus the SASL credentials a secured listener asks for."""

    bootstrap_servers: str
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    username: str | None = None
    password: SecretStr | None = None

    def __post_init__(self) -> None:
        if self.uses_sasl and not (self.username and self.password):
            raise ValueError(f"Kafka over {self.security_protocol} needs a username and a password")

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol != "PLAINTEXT"

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for any aiokafka client (producer, consumer, admin)."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
        }
        if self.uses_sasl:
            assert self.password is not None
            options |= {
                "sasl_mechanism": self.sasl_mechanism,
                "sasl_plain_username": self.username,
                "sasl_plain_password": self.password.get_secret_value(),
            }
        if self.security_protocol == "SASL_SSL":
            options["ssl_context"] = ssl.create_default_context()
        return options

    def faststream_security(self) -> BaseSecurity | None:
        """The same credentials as FastStream's `security=` argument of `KafkaBroker`."""
        if not self.uses_sasl:
            return None
        assert self.username is not None
        assert self.password is not None
        sasl = _FASTSTREAM_SASL[self.sasl_mechanism]
        tls = self.security_protocol == "SASL_SSL"
        return sasl(
            self.username,
            self.password.get_secret_value(),
            ssl_context=ssl.create_default_context() if tls else None,
            use_ssl=tls,
        )


def kafka_connection(target: "KafkaConnection | str") -> KafkaConnection:
    """`target` as a connection: a bare bootstrap string means an open (PLAINTEXT) Kafka."""
    return target if isinstance(target, KafkaConnection) else KafkaConnection(target)
