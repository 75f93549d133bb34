import json
import re
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from contracts import generate
from contracts.envelope import new_event_id
from contracts.events import (
    AppealRouted,
    AppealRoutedPayload,
    AppealSubmitted,
    decode_event,
)
from contracts.topics import EXECUTOR_ASSIGNMENTS_PATTERN, dead_letter, executor_assignments
from tests.unit.services.consumer_fakes import submitted


def test_event_ids_are_uuid7_and_ordered_by_time() -> None:
    first, second = new_event_id(), new_event_id()
    assert first.version == 7
    assert first < second


def test_an_event_round_trips_through_json_as_its_own_type() -> None:
    event = submitted()
    decoded = decode_event(event.to_json())
    assert isinstance(decoded, AppealSubmitted)
    assert decoded == event
    assert decoded.occurred_at.tzinfo is not None


def test_a_caused_event_keeps_the_correlation_and_names_its_cause() -> None:
    cause = submitted()
    routed = AppealRouted.caused_by(
        cause,
        producer="router",
        payload=AppealRoutedPayload(
            executor_id="roads-dept",
            executor_name="Roads",
            rule_id="r1",
            rule_set_version=1,
            territory_ids=["t"],
            explanation="because",
        ),
    )
    assert routed.correlation_id == cause.correlation_id
    assert routed.causation_id == cause.event_id
    assert routed.appeal_id == cause.appeal_id
    assert routed.key == str(cause.appeal_id).encode()


def test_unknown_fields_are_ignored_so_producers_can_add_them() -> None:
    raw = submitted().model_dump(mode="json")
    raw["payload"]["photos"] = ["a.jpg"]
    raw["new_envelope_field"] = 1
    assert isinstance(decode_event(json.dumps(raw)), AppealSubmitted)


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b'{"type": "AppealSubmitted"}',
        b'{"type": "NoSuchEvent", "producer": "x", "correlation_id": "'
        + str(uuid4()).encode()
        + b'"}',
    ],
)
def test_malformed_messages_fail_to_decode(raw: bytes) -> None:
    with pytest.raises(ValidationError):
        decode_event(raw)


def test_occurred_at_must_carry_a_timezone() -> None:
    with pytest.raises(ValidationError):
        AppealSubmitted(
            appeal_id=UUID(int=1),
            producer="intake",
            correlation_id=UUID(int=1),
            occurred_at=datetime(2026, 1, 1),  # naive
            payload=submitted().payload,
        )
    assert submitted().occurred_at <= datetime.now(UTC)


def test_topic_names() -> None:
    assert executor_assignments("uk-severnaya") == "executor.uk-severnaya.assignments"
    assert re.match(EXECUTOR_ASSIGNMENTS_PATTERN, "executor.uk-severnaya.assignments")
    dlq = dead_letter("executor.uk-severnaya.assignments", "executor-gateway")
    assert not re.match(EXECUTOR_ASSIGNMENTS_PATTERN, dlq)
    with pytest.raises(ValueError, match="not a valid executor id"):
        executor_assignments("Bad Id/../x")


def test_checked_in_schemas_and_asyncapi_are_current() -> None:
    assert generate.main(["--check"]) == 0


def test_events_on_the_compacted_topic_share_one_key_per_kind() -> None:
    from contracts.events import RuleSetPublished, RuleSetPublishedPayload

    first, second = (
        RuleSetPublished(
            producer="router",
            correlation_id=uuid4(),
            payload=RuleSetPublishedPayload(version=v, rules={}),
        )
        for v in (1, 2)
    )
    assert first.key == second.key == b"rules", "compaction keeps only the newest rule set"
    assert "compaction_key" not in first.model_dump()
