"""A real broker with SASL/SCRAM and ACLs (`KAFKA_AUTH=scram deploy/local/kafka.sh`)
enforces the principals `services.kafka_acls` computes: who writes and reads which
topics, and that a wrong password gets nobody in.

A broker of its own, not the session's (which runs with SASL too): its executor topics
and their records would reach the session platform's executor-gateway."""

import asyncio
from collections.abc import Iterator
from dataclasses import replace

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError, TopicAuthorizationFailedError
from pydantic import SecretStr

from contracts.declarations import declaration_of
from contracts.topics import executor_assignments
from services.kafka import TopicSpec, ensure_topics, list_topics
from services.kafka_acls import executor_principal, service_principal
from services.kafka_connection import KafkaConnection
from services.kafka_principals import add_local_user, grant
from tests.infrastructure import SessionKafka, local_kafka
from tests.waiting import scaled

USERS = ("router", "intake", "executor.uk-1")


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SessionKafka]:
    """A fresh SASL broker of its own."""
    with local_kafka(tmp_path_factory.mktemp("sasl-kafka"), KAFKA_AUTH="scram") as started:
        yield SessionKafka.local(*started)


@pytest.fixture(scope="module")
async def principals(broker: SessionKafka) -> SessionKafka:
    for user in USERS:
        await asyncio.to_thread(add_local_user, user, broker.password(user), broker.scripts_env)
    router, intake = (service_principal(declaration_of(n)) for n in ("router", "intake"))
    await grant(broker.admin, [router, intake, executor_principal("uk-1")])
    topics = [executor_assignments(e) for e in ("x", "uk-1", "uk-2")]
    await ensure_topics(broker.admin, [TopicSpec(t, partitions=1) for t in topics])
    return broker


async def send(connection: KafkaConnection, topic: str) -> None:
    producer = AIOKafkaProducer(**connection.client_options(), enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"assignment", key=b"a-1")
    finally:
        await producer.stop()


async def test_the_router_writes_executor_topics_and_intake_cannot(
    principals: SessionKafka,
) -> None:
    await send(principals.signed_in_as("router"), executor_assignments("x"))
    with pytest.raises(TopicAuthorizationFailedError):
        await send(principals.signed_in_as("intake"), executor_assignments("x"))


async def test_an_executor_reads_its_own_topic_and_no_other(principals: SessionKafka) -> None:
    await send(principals.signed_in_as("router"), executor_assignments("uk-1"))
    uk1 = principals.signed_in_as("executor.uk-1")
    visible = await list_topics(uk1)
    assert executor_assignments("uk-1") in visible
    assert executor_assignments("uk-2") not in visible
    consumer = AIOKafkaConsumer(
        executor_assignments("uk-1"),
        **uk1.client_options(),
        group_id="executor.uk-1.inbox",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), scaled(60))
        assert record.value == b"assignment"
    finally:
        await consumer.stop()
    foreign = AIOKafkaConsumer(
        executor_assignments("uk-2"),
        **uk1.client_options(),
        group_id="executor.uk-1.peek",
        auto_offset_reset="earliest",
    )
    try:
        with pytest.raises(TopicAuthorizationFailedError):  # refused as it subscribes
            await foreign.start()
    finally:
        await foreign.stop()


async def test_a_wrong_password_is_refused(principals: SessionKafka) -> None:
    router = principals.signed_in_as("router")
    with pytest.raises(KafkaError):
        await list_topics(replace(router, password=SecretStr("not-the-password")))
