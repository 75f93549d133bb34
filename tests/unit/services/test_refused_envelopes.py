"""The consumer dead-letters a forged or unknown envelope before any handler sees it."""

import json
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
    FlakyDatabase,
    Partition,
    Topics,
    kafka_message,
    submitted,
)


class DeadLetters:
    """A broker that keeps what is published to it, with the dead-letter reason."""

    def __init__(self) -> None:
        self.parked: list[tuple[str, str]] = []

    async def publish(self, body: bytes, topic: str, **options: Any) -> None:
        self.parked.append((topic, options["headers"]["dlq-reason"]))


def forged_by_attacker() -> bytes:
    return submitted().model_copy(update={"producer": "attacker"}).to_json()


def of_version_999() -> bytes:
    raw = json.loads(submitted().to_json())
    raw["schema_version"] = 999
    return json.dumps(raw).encode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            forged_by_attacker(),
            "unexpected producer 'attacker' for AppealSubmitted (expected: intake)",
        ),
        (of_version_999(), "unsupported schema_version 999 for AppealSubmitted (supported: 1)"),
    ],
    ids=["producer", "schema_version"],
)
async def test_a_refused_envelope_is_dead_lettered_with_its_reason(
    body: bytes, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    claimed: list[object] = []
    applied: list[AppealSubmitted] = []

    async def claim_all(session: Any, consumer: str, event_ids: list[Any]) -> set[Any]:
        claimed.extend(event_ids)
        return set(event_ids)

    async def route(event: AppealSubmitted, session: Any) -> None:
        applied.append(event)

    monkeypatch.setattr(inbox, "claim_all", claim_all)
    broker, partition = DeadLetters(), Partition()
    consumer = EventConsumer(
        name="router",
        db=cast(Database, FlakyDatabase(down_for=0)),
        broker=cast(KafkaBroker, broker),
        topics=cast(TopicAdmin, Topics()),
        handlers={AppealSubmitted: route},
    )

    await consumer.process(kafka_message(body, partition))
    assert broker.parked == [(dead_letter(APPEAL_SUBMITTED, "router"), reason)]
    assert applied == claimed == [], "neither applied nor remembered as applied"
    assert partition.seeks == [], "the partition moves on"

    await consumer.process(kafka_message(submitted().to_json(), partition, offset=42))
    assert len(applied) == 1, "the intake's own next envelope is applied"
