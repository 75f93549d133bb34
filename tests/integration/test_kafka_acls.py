"""A real broker with SASL/SCRAM and ACLs (`KAFKA_AUTH=scram deploy/local/kafka.sh`)
enforces the principals `services.kafka_acls` computes: who writes and reads which
topics, and that a wrong password gets nobody in."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

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
from tests.infrastructure import local_kafka
from tests.waiting import scaled

PASSWORDS = {"router": "router-pass-1", "intake": "intake-pass-1", "executor.uk-1": "uk1-pass-01"}


def signed_in(bootstrap: str, user: str, password: str) -> KafkaConnection:
    return KafkaConnection(bootstrap, "SASL_PLAINTEXT", "SCRAM-SHA-512", user, SecretStr(password))


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A fresh SASL broker of its own; yields its address and kafka.sh's environment."""
    with local_kafka(tmp_path_factory.mktemp("sasl-kafka"), KAFKA_AUTH="scram") as started:
        yield started


@pytest.fixture(scope="module")
async def principals(broker: tuple[str, dict[str, str]]) -> str:
    bootstrap, env = broker
    admin_password = (Path(env["KAFKA_DATA_DIR"]) / "admin.password").read_text().strip()
    admin = signed_in(bootstrap, "admin", admin_password)
    for user, password in PASSWORDS.items():
        await asyncio.to_thread(add_local_user, user, password, env)
    router, intake = (service_principal(declaration_of(n)) for n in ("router", "intake"))
    await grant(admin, [router, intake, executor_principal("uk-1")])
    topics = [executor_assignments(e) for e in ("x", "uk-1", "uk-2")]
    await ensure_topics(admin, [TopicSpec(t, partitions=1) for t in topics])
    return bootstrap


async def send(connection: KafkaConnection, topic: str) -> None:
    producer = AIOKafkaProducer(**connection.client_options(), enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"assignment", key=b"a-1")
    finally:
        await producer.stop()


def as_user(bootstrap: str, user: str) -> KafkaConnection:
    return signed_in(bootstrap, user, PASSWORDS[user])


async def test_the_router_writes_executor_topics_and_intake_cannot(principals: str) -> None:
    await send(as_user(principals, "router"), executor_assignments("x"))
    with pytest.raises(TopicAuthorizationFailedError):
        await send(as_user(principals, "intake"), executor_assignments("x"))


async def test_an_executor_reads_its_own_topic_and_no_other(principals: str) -> None:
    await send(as_user(principals, "router"), executor_assignments("uk-1"))
    uk1 = as_user(principals, "executor.uk-1")
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


async def test_a_wrong_password_is_refused(principals: str) -> None:
    with pytest.raises(KafkaError):
        await list_topics(signed_in(principals, "router", "not-the-password"))
