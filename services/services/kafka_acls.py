"""Who may do what on Kafka: each service's principal and its ACLs, computed from its
declaration, and the principal of an executor organisation. Pure data: the Strimzi
`KafkaUser` manifests and `python -m services kafka-principals` render it.

Kafka names a resource literally or by prefix; it has no wildcard in the middle of a
name. So a channel address such as `executor.{executor_id}.assignments` is granted by
the prefix before its first parameter (`executor.`), which also covers other topics
under that prefix (e.g. their dead-letter topics): no finer rule exists.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from contracts.declarations import ServiceDeclaration
from contracts.topics import dead_letter, executor_assignments


class ResourceType(StrEnum):
    TOPIC = "topic"
    GROUP = "group"
    CLUSTER = "cluster"


class PatternType(StrEnum):
    LITERAL = "literal"
    PREFIX = "prefix"


class Operation(StrEnum):
    READ = "Read"
    WRITE = "Write"
    CREATE = "Create"
    DESCRIBE = "Describe"
    IDEMPOTENT_WRITE = "IdempotentWrite"


CLUSTER = "kafka-cluster"
"""The one name Kafka gives the cluster resource."""

IMPLIES_DESCRIBE = frozenset({Operation.READ, Operation.WRITE})
"""Operations Kafka's authorizer counts as Describe too (as it does Delete and Alter)."""


@dataclass(frozen=True, order=True)
class Acl:
    """One `allow` rule of a principal."""

    resource: ResourceType
    name: str
    pattern: PatternType
    operation: Operation

    def covers(self, resource: ResourceType, name: str) -> bool:
        if resource is not self.resource:
            return False
        if self.pattern is PatternType.PREFIX:
            return name.startswith(self.name)
        return self.name in (name, "*")

    def allows(self, operation: Operation, resource: ResourceType, name: str) -> bool:
        implied = operation is Operation.DESCRIBE and self.operation in IMPLIES_DESCRIBE
        return (self.operation is operation or implied) and self.covers(resource, name)


@dataclass(frozen=True)
class Principal:
    """A Kafka user (`User:<name>`) and everything it is allowed."""

    name: str
    acls: tuple[Acl, ...]

    def allows(self, operation: Operation, resource: ResourceType, name: str) -> bool:
        return any(acl.allows(operation, resource, name) for acl in self.acls)

    def can_read(self, topic: str) -> bool:
        return self.allows(Operation.READ, ResourceType.TOPIC, topic)

    def can_write(self, topic: str) -> bool:
        return self.allows(Operation.WRITE, ResourceType.TOPIC, topic)

    def can_join(self, group: str) -> bool:
        return self.allows(Operation.READ, ResourceType.GROUP, group)


def _grant(
    resource: ResourceType, name: str, pattern: PatternType, *operations: Operation
) -> list[Acl]:
    return [Acl(resource, name, pattern, operation) for operation in operations]


def _topics(address: str, *operations: Operation) -> list[Acl]:
    """`operations` on the topic `address`, or on every topic its channel address stands
    for (by the prefix before its first parameter)."""
    if "{" in address:
        prefix = address.split("{", 1)[0]
        if not prefix:
            raise ValueError(f"{address!r} has no fixed prefix to grant ACLs on")
        return _grant(ResourceType.TOPIC, prefix, PatternType.PREFIX, *operations)
    return _grant(ResourceType.TOPIC, address, PatternType.LITERAL, *operations)


def service_principal(service: ServiceDeclaration) -> Principal:
    """The ACLs a service's own principal (`User:<service name>`) needs, and no more:

    - Read and Describe on each topic it consumes;
    - Read on its consumer groups, all named `<service>.<...>` (one prefix rule);
    - Create and Write on its dead-letter topics, all named `dlq.<service>.<topic>` (one
      prefix rule; it creates them on the first poison message);
    - Write and Describe on each topic it publishes; Create too on channel addresses, as
      the publisher creates those topics (the router makes an executor's topic);
    - IdempotentWrite on the cluster, for its idempotent producers (Kafka 2.8+ would
      accept Write on any topic instead; older brokers want this).
    """
    acls: list[Acl] = []
    for subscription in service.consumes:
        acls += _topics(subscription.address, Operation.READ, Operation.DESCRIBE)
    if service.consumes:
        parked = dead_letter("", service.name)  # dlq.<service>.
        acls += _grant(
            ResourceType.TOPIC, parked, PatternType.PREFIX, Operation.CREATE, Operation.WRITE
        )
    if any(not s.broadcast for s in service.consumes):
        acls += _grant(ResourceType.GROUP, f"{service.name}.", PatternType.PREFIX, Operation.READ)
    for publication in service.publishes:
        operations = [Operation.WRITE, Operation.DESCRIBE]
        if "{" in publication.address:
            operations.append(Operation.CREATE)
        acls += _topics(publication.address, *operations)
    acls += _grant(ResourceType.CLUSTER, CLUSTER, PatternType.LITERAL, Operation.IDEMPOTENT_WRITE)
    return Principal(service.name, tuple(sorted(set(acls))))


def executor_user(executor_id: str) -> str:
    """The Kafka user of an executor organisation, `executor.<id>`: a dot, which no
    service's name has, so that the executor `gateway` is not the service
    `executor-gateway` (nor shares its consumer groups)."""
    executor_assignments(executor_id)  # validates the id
    return f"executor.{executor_id}"


def executor_principal(executor_id: str) -> Principal:
    """An executor organisation reads its own topics, `executor.<id>.*`, through consumer
    groups named `executor.<id>.<...>`; it writes nothing (it answers over HTTP)."""
    user = executor_user(executor_id)
    own_topics = executor_assignments(executor_id).rsplit(".", 1)[0] + "."  # executor.<id>.
    acls = [
        *_grant(
            ResourceType.TOPIC, own_topics, PatternType.PREFIX, Operation.READ, Operation.DESCRIBE
        ),
        *_grant(ResourceType.GROUP, f"{user}.", PatternType.PREFIX, Operation.READ),
    ]
    return Principal(user, tuple(sorted(acls)))


def service_principals(services: Iterable[ServiceDeclaration]) -> list[Principal]:
    return [service_principal(s) for s in services]
