"""Each principal's Kafka ACLs follow from its declaration: a service writes exactly the
topics it declares publishing, reads exactly those it consumes, and an executor
organisation reads only its own topics."""

import pytest

from contracts.declarations import ServiceDeclaration, declaration_of, declared_services
from contracts.topics import (
    APPEAL_EVENTS,
    APPEAL_SUBMITTED,
    ROUTING_CHANGES,
    dead_letter,
    executor_assignments,
)
from services.kafka_acls import (
    Operation,
    ResourceType,
    executor_principal,
    executor_user,
    service_principal,
)

EXECUTOR_TOPIC = executor_assignments("uk-1")
PLATFORM_TOPICS = [APPEAL_SUBMITTED, APPEAL_EVENTS, ROUTING_CHANGES, EXECUTOR_TOPIC]


def concrete(address: str) -> str:
    return address.replace("{executor_id}", "uk-1")


@pytest.mark.parametrize("service", declared_services(), ids=lambda s: s.name)
def test_a_service_writes_exactly_the_topics_it_declares(service: ServiceDeclaration) -> None:
    principal = service_principal(service)
    published = {concrete(p.address) for p in service.publishes}
    dead_letters = {dead_letter(concrete(s.address), service.name) for s in service.consumes}
    for topic in PLATFORM_TOPICS:
        assert principal.can_write(topic) == (topic in published), topic
    for letters in dead_letters:
        assert principal.can_write(letters)
        assert principal.allows(Operation.CREATE, ResourceType.TOPIC, letters)
    others = {dead_letter(APPEAL_EVENTS, s.name) for s in declared_services() if s != service}
    assert not any(principal.can_write(topic) for topic in others)


@pytest.mark.parametrize("service", declared_services(), ids=lambda s: s.name)
def test_a_service_reads_exactly_what_it_consumes_in_its_own_groups(
    service: ServiceDeclaration,
) -> None:
    principal = service_principal(service)
    consumed = {concrete(s.address) for s in service.consumes}
    for topic in PLATFORM_TOPICS:
        assert principal.can_read(topic) == (topic in consumed), topic
    for subscription in service.consumes:
        group = service.group_of(subscription)
        if group is not None:
            assert principal.can_join(group)
    for other in declared_services():
        if other.name != service.name:
            assert not any(
                principal.can_join(group)
                for group in map(other.group_of, other.consumes)
                if group is not None
            ), other.name


def test_the_gateway_reads_every_executors_topic_but_cannot_write_one() -> None:
    gateway = service_principal(declaration_of("executor-gateway"))
    for executor in ("uk-1", "roads", "gateway"):
        topic = executor_assignments(executor)
        assert gateway.can_read(topic)
        assert gateway.allows(Operation.DESCRIBE, ResourceType.TOPIC, topic)
        assert not gateway.can_write(topic)
        assert not gateway.allows(Operation.CREATE, ResourceType.TOPIC, topic)


def test_only_the_router_creates_and_writes_executor_topics() -> None:
    writers = [
        s.name for s in declared_services() if service_principal(s).can_write(EXECUTOR_TOPIC)
    ]
    assert writers == ["router"]
    router = service_principal(declaration_of("router"))
    assert router.allows(Operation.CREATE, ResourceType.TOPIC, executor_assignments("new-uk"))
    assert not router.allows(Operation.CREATE, ResourceType.TOPIC, APPEAL_EVENTS)


def test_an_executor_reads_only_its_own_topics_through_its_own_groups() -> None:
    uk1 = executor_principal("uk-1")
    assert uk1.name == "executor.uk-1"
    assert uk1.can_read(executor_assignments("uk-1"))
    for foreign in ("uk-2", "uk-10", "uk"):
        assert not uk1.can_read(executor_assignments(foreign)), foreign
    for topic in (APPEAL_EVENTS, APPEAL_SUBMITTED, ROUTING_CHANGES):
        assert not uk1.can_read(topic)
        assert not uk1.allows(Operation.DESCRIBE, ResourceType.TOPIC, topic)
    assert not any(uk1.can_write(t) for t in [*PLATFORM_TOPICS, executor_assignments("uk-1")])
    assert uk1.can_join("executor.uk-1.inbox")
    assert not uk1.can_join("executor.uk-2.inbox")
    assert not uk1.can_join("executor-gateway.executor-assignments")


def test_an_executor_named_like_a_service_is_not_that_service() -> None:
    names = {s.name for s in declared_services()}
    assert executor_user("gateway") not in names
    gateway = executor_principal("gateway")
    assert not gateway.can_join("executor-gateway.executor-assignments")


def test_an_invalid_executor_id_gets_no_principal() -> None:
    with pytest.raises(ValueError, match="not a valid executor id"):
        executor_principal("uk-1.assignments")
