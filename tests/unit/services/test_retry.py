"""Transient faults are told apart by cause, retried until the dependency is back and never
dead-lettered; only a message that can never succeed is parked."""

from typing import Any, cast

import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    NotLeaderForPartitionError,
    TopicAuthorizationFailedError,
)
from faststream.kafka import KafkaBroker
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError

from contracts.events import AppealSubmitted
from contracts.topics import APPEAL_SUBMITTED, dead_letter
from services import inbox
from services.consumers import EventConsumer
from services.db import Database
from services.kafka import TopicAdmin
from services.retry import RetryLater, is_transient, with_retries
from tests.unit.services.consumer_fakes import (
    Broker,
    FlakyDatabase,
    Partition,
    Topics,
    kafka_message,
    submitted,
)
from tests.unit.services.faults import pool_exhausted, refused_by_server, refused_connection


@pytest.mark.parametrize(
    ("sqlstate", "message"),
    [
        ("57P03", "the database system is starting up"),
        ("57P03", "the database system is not yet accepting connections"),
        ("57P01", "terminating connection due to administrator command"),
        ("57P02", "terminating connection due to crash of another server process"),
        ("53300", "sorry, too many clients already"),
        ("08006", "connection failure"),
        ("08001", "could not establish connection"),
        ("40001", "could not serialize access due to concurrent update"),
        ("40P01", "deadlock detected"),
    ],
)
def test_a_database_that_is_down_or_busy_is_a_transient_fault(sqlstate: str, message: str) -> None:
    error = refused_by_server(sqlstate, message)
    # What the issue measured: asyncpg's error arrives as a plain DBAPIError, the SQLSTATE
    # only on what it wraps.
    assert isinstance(error, DBAPIError)
    assert message in str(error)
    assert is_transient(error)


@pytest.mark.parametrize(
    ("sqlstate", "message"),
    [
        ("3D000", 'database "appeals" does not exist'),
        ("28P01", 'password authentication failed for user "postgres"'),
        ("42501", "permission denied for database appeals"),
    ],
)
def test_a_database_that_answers_no_is_not_a_transient_fault(sqlstate: str, message: str) -> None:
    error = refused_by_server(sqlstate, message)
    assert isinstance(error, DBAPIError)
    assert not is_transient(error)


def test_a_refused_connection_and_an_exhausted_pool_are_transient_faults() -> None:
    assert is_transient(refused_connection())
    assert is_transient(pool_exhausted())


@pytest.mark.parametrize(
    "error",
    [
        KafkaConnectionError("Unable to bootstrap from [('127.0.0.1', 9092)]"),
        KafkaTimeoutError(),
        NotLeaderForPartitionError(),
        ConnectionResetError(104, "Connection reset by peer"),
        RetryLater("rules not loaded yet"),
    ],
    ids=repr,
)
def test_an_unreachable_broker_and_retry_later_are_transient_faults(error: Exception) -> None:
    assert is_transient(error)


class Payload(BaseModel):
    count: int


def _validation_error() -> ValidationError:
    try:
        Payload.model_validate({"count": "many"})
    except ValidationError as error:
        return error
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    "error",
    [
        _validation_error(),
        ValueError("an appeal cannot go from resolved to new"),
        TopicAuthorizationFailedError(),
        KeyError("executor"),
    ],
    ids=repr,
)
def test_a_message_or_code_fault_is_not_transient(error: Exception) -> None:
    assert not is_transient(error)


def test_the_cause_chain_decides() -> None:
    def raised(outer: Exception, inner: Exception, *, chained: bool) -> Exception:
        try:
            try:
                raise inner
            except type(inner) as cause:
                raise outer from (cause if chained else None)
        except type(outer) as error:
            return error

    reset = ConnectionResetError(104, "Connection reset by peer")
    assert is_transient(raised(RuntimeError("could not store"), reset, chained=True))
    assert not is_transient(raised(ValueError("bad payload"), reset, chained=False))


# --- retrying ----------------------------------------------------------------------------


async def test_transient_faults_are_retried_until_the_call_succeeds() -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 4:
            raise ConnectionRefusedError(111, "Connection refused")
        return "done"

    assert await with_retries(flaky, give_up_after_s=60, max_wait_s=0.05) == "done"
    assert calls == 4


async def test_other_faults_are_raised_at_once() -> None:
    calls = 0

    async def broken() -> None:
        nonlocal calls
        calls += 1
        raise ValueError("never works")

    with pytest.raises(ValueError, match="never works"):
        await with_retries(broken, give_up_after_s=60)
    assert calls == 1


# --- the consumer ------------------------------------------------------------------------


@pytest.fixture
def applied(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    async def first_time(session: Any, consumer: str, event_ids: list[Any]) -> set[Any]:
        return set(event_ids)

    monkeypatch.setattr(inbox, "claim_all", first_time)
    return []


def consumer_over(db: FlakyDatabase, broker: Broker, applied: list[Any]) -> EventConsumer:
    async def route(event: AppealSubmitted, session: Any) -> None:
        applied.append(event.event_id)

    return EventConsumer(
        name="router",
        db=cast(Database, db),
        broker=cast(KafkaBroker, broker),
        topics=cast(TopicAdmin, Topics()),
        handlers={AppealSubmitted: route},
    )


async def test_a_message_is_applied_once_the_database_is_back(applied: list[Any]) -> None:
    db, broker, partition = FlakyDatabase(down_for=3), Broker(), Partition()
    event = submitted()
    message = kafka_message(event.to_json(), partition)

    await consumer_over(db, broker, applied).process(message)

    assert applied == [event.event_id]
    assert db.attempts == 4
    assert broker.published == [], "a transient fault is never dead-lettered"
    assert partition.seeks == []
    assert message.committed is None, "acknowledged by FastStream after the handler returns"


async def test_a_message_goes_back_to_its_partition_while_the_database_stays_down(
    applied: list[Any],
) -> None:
    db, broker, partition = FlakyDatabase(down_for=10**6), Broker(), Partition()
    consumer = consumer_over(db, broker, applied)
    consumer.redeliver_after_s = 0.5
    message = kafka_message(submitted().to_json(), partition, offset=41)

    await consumer.process(message)

    assert db.attempts > 1, "retried in place first"
    assert applied == []
    assert broker.published == [], "a transient fault is never dead-lettered"
    assert partition.seeks == [(APPEAL_SUBMITTED, 2, 41)], "rewound to the same offset"
    assert partition.commits == 0
    await message.ack()  # what FastStream does when the handler returns
    assert partition.commits == 0, "the offset is not committed past the message"


async def test_a_message_that_can_never_succeed_is_dead_lettered(applied: list[Any]) -> None:
    db, broker, partition = FlakyDatabase(down_for=0), Broker(), Partition()
    undecodable = b'{"type": "AppealSubmitted", "payload": "?"}'

    await consumer_over(db, broker, applied).process(kafka_message(undecodable, partition))

    assert broker.published == [(undecodable, dead_letter(APPEAL_SUBMITTED, "router"))]
    assert partition.seeks == []


async def test_a_handler_refused_by_the_domain_is_dead_lettered_and_retry_later_is_not(
    applied: list[Any],
) -> None:
    class IllegalTransition(Exception):
        """What a domain says of an event that can never apply."""

    outcomes: list[Exception] = [IllegalTransition("resolved → new"), RetryLater("not loaded")]

    async def refuse(event: AppealSubmitted, session: Any) -> None:
        raise outcomes[0]

    broker, partition = Broker(), Partition()
    consumer = EventConsumer(
        name="router",
        db=cast(Database, FlakyDatabase(down_for=0)),
        broker=cast(KafkaBroker, broker),
        topics=cast(TopicAdmin, Topics()),
        handlers={AppealSubmitted: refuse},
    )
    consumer.redeliver_after_s = 0.3
    await consumer.process(kafka_message(submitted().to_json(), partition, offset=7))
    assert [topic for _, topic in broker.published] == [dead_letter(APPEAL_SUBMITTED, "router")]
    assert partition.seeks == []

    outcomes.pop(0)
    await consumer.process(kafka_message(submitted().to_json(), partition, offset=8))
    assert len(broker.published) == 1, "RetryLater is never dead-lettered"
    assert partition.seeks == [(APPEAL_SUBMITTED, 2, 8)]
