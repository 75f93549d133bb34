"""Puts principals on a running broker, as its admin: their ACLs through Kafka's
CreateAcls (aiokafka has the request but no admin method yet, hence `_send_request`),
their SCRAM users through `deploy/local/kafka.sh add-user` (aiokafka has no
AlterUserScramCredentials). In Kubernetes the Strimzi user operator does both."""

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.admin import CreateAclsRequest

from services.kafka_acls import CLUSTER, Acl, Operation, PatternType, Principal, ResourceType
from services.kafka_connection import KafkaConnection

KAFKA_SH = Path(__file__).resolve().parents[2] / "deploy" / "local" / "kafka.sh"

# Kafka's wire codes (org.apache.kafka.common.acl / resource).
_RESOURCE = {ResourceType.TOPIC: 2, ResourceType.GROUP: 3, ResourceType.CLUSTER: 4}
_PATTERN = {PatternType.LITERAL: 3, PatternType.PREFIX: 4}
_OPERATION = {
    Operation.READ: 3,
    Operation.WRITE: 4,
    Operation.CREATE: 5,
    Operation.DESCRIBE: 8,
    Operation.IDEMPOTENT_WRITE: 12,
}
_ALLOW = 3


class AclRefused(RuntimeError):
    """The broker did not create an ACL (e.g. the caller is not its admin)."""


def _request(principal: Principal, acl: Acl) -> CreateAclsRequest:
    name = CLUSTER if acl.resource is ResourceType.CLUSTER else acl.name
    return CreateAclsRequest(
        _RESOURCE[acl.resource],
        name,
        _PATTERN[acl.pattern],
        f"User:{principal.name}",
        "*",
        _OPERATION[acl.operation],
        _ALLOW,
    )


async def grant(kafka: KafkaConnection, principals: Iterable[Principal]) -> int:
    """Create every ACL of `principals` (creating one that exists changes nothing);
    returns how many were sent."""
    admin = AIOKafkaAdminClient(**kafka.client_options())
    await admin.start()
    sent = 0
    try:
        for principal in principals:
            for acl in principal.acls:
                response = await admin._send_request(_request(principal, acl))
                for error_code, message in response.creation_responses:
                    if error_code:
                        raise AclRefused(f"{principal.name} {acl}: {error_code} {message}")
                sent += 1
    finally:
        await admin.close()
    return sent


def add_local_user(name: str, password: str, env: dict[str, str] | None = None) -> None:
    """Create or update the SCRAM user `name` on the broker `kafka.sh` runs (`env` names
    its data dir and ports, as for `kafka.sh start`)."""
    done = subprocess.run(
        [str(KAFKA_SH), "add-user", name],
        input=password + "\n",
        env={**os.environ, "KAFKA_AUTH": "scram", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"kafka.sh add-user {name} failed: {done.stderr[-2000:]}")
