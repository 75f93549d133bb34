"""A consumer applies a batch of records in one transaction with one inbox insert; a
refused event costs only itself (the rest are applied one by one); an event met twice is
applied once."""

from typing import Any, cast

import pytest
from faststream.kafka import KafkaBroker

from contracts.events import AppealSubmitted
from contracts.topics import APPEAL_SUBMITTED, dead_letter
from services import inbox
from services.consumers import EventConsumer
from services.db import Database
from services.kafka import TopicAdmin
from tests.unit.services.consumer_fakes import (
    Broker,
    FakeSession,
    FlakyDatabase,
    Partition,
    Topics,
    kafka_batch,
    submitted,
)
from tests.unit.services.faults import deadlock_detected


class Refused(ValueError):
    pass


@pytest.fixture
def claims(monkeypatch: pytest.MonkeyPatch) -> list[list[Any]]:
    """Every inbox insert (the ids it claims), against what committed transactions
    claimed before."""
    made: list[list[Any]] = []

    async def claim_all(session: FakeSession, consumer: str, event_ids: list[Any]) -> set[Any]:
        made.append(list(event_ids))
        fresh = set(event_ids) - session.db.claims - session.claims
        session.claims |= fresh
        return fresh

    monkeypatch.setattr(inbox, "claim_all", claim_all)
    return made


def consumer(db: FlakyDatabase, broker: Broker) -> EventConsumer:
    async def route(event: AppealSubmitted, session: Any) -> None:
        if event.payload.text == "refused":
            raise Refused("the domain refuses this one")
        cast(FakeSession, session).effects.append(event)

    return EventConsumer(
        name="router",
        db=cast(Database, db),
        broker=cast(KafkaBroker, broker),
        topics=cast(TopicAdmin, Topics()),
        handlers={AppealSubmitted: route},
    )


async def test_a_batch_is_one_transaction_and_one_inbox_insert(claims: list[list[Any]]) -> None:
    db, broker, partition = FlakyDatabase(down_for=0), Broker(), Partition()
    events = [submitted() for _ in range(5)]
    await consumer(db, broker).process(kafka_batch([e.to_json() for e in events], partition))
    assert db.effects == events, "all applied, in the partition's order"
    assert db.attempts == 1
    assert claims == [[e.event_id for e in events]]
    assert broker.published == []


async def test_a_refused_event_is_parked_and_the_rest_of_its_batch_applied(
    claims: list[list[Any]],
) -> None:
    db, broker, partition = FlakyDatabase(down_for=0), Broker(), Partition()
    first, bad, last = submitted(), submitted(), submitted()
    bad = bad.model_copy(update={"payload": bad.payload.model_copy(update={"text": "refused"})})
    await consumer(db, broker).process(
        kafka_batch([first.to_json(), bad.to_json(), last.to_json()], partition)
    )
    assert db.effects == [first, last]
    assert [topic for _, topic in broker.published] == [dead_letter(APPEAL_SUBMITTED, "router")]
    assert db.attempts == 1 + 3, "the batch, rolled back, then each event alone"
    assert partition.seeks == [], "the partition moves on"


async def test_an_event_met_twice_is_applied_once(claims: list[list[Any]]) -> None:
    db, broker, partition = FlakyDatabase(down_for=0), Broker(), Partition()
    event, other = submitted(), submitted()
    body = event.to_json()
    handler = consumer(db, broker)
    await handler.process(kafka_batch([body, other.to_json(), body], partition))
    await handler.process(kafka_batch([body], partition, first=50))  # a redelivery
    assert db.effects == [event, other]


async def test_a_batch_waits_out_a_database_restart_whole(claims: list[list[Any]]) -> None:
    db, broker, partition = FlakyDatabase(down_for=2), Broker(), Partition()
    events = [submitted() for _ in range(3)]
    await consumer(db, broker).process(kafka_batch([e.to_json() for e in events], partition))
    assert db.effects == events
    assert broker.published == [], "a transient fault never dead-letters"


async def test_a_batch_that_meets_a_deadlock_is_retried_whole(claims: list[list[Any]]) -> None:
    """Two router instances' batches can take area locks in opposite orders; PostgreSQL
    aborts one of them (40P01), which is tried again as it was, never parked or split."""
    db, broker, partition = FlakyDatabase(down_for=0), Broker(), Partition()
    events = [submitted() for _ in range(3)]
    deadlocks = [deadlock_detected()]

    async def route(event: AppealSubmitted, session: Any) -> None:
        cast(FakeSession, session).effects.append(event)
        if event == events[1] and deadlocks:
            raise deadlocks.pop()

    handler = EventConsumer(
        name="router",
        db=cast(Database, db),
        broker=cast(KafkaBroker, broker),
        topics=cast(TopicAdmin, Topics()),
        handlers={AppealSubmitted: route},
    )
    await handler.process(kafka_batch([e.to_json() for e in events], partition))
    assert db.effects == events, "applied once, in order: the aborted attempt left nothing"
    assert db.attempts == 2, "the whole batch again, not one by one"
    assert broker.published == [], "a deadlock is never dead-lettered"
    assert partition.seeks == []
