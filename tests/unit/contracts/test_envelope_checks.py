"""Consumers refuse envelopes of a schema version or from a producer they do not expect."""

import json
from typing import ClassVar

import pytest

from contracts.declarations import (
    Publication,
    ServiceDeclaration,
    UnexpectedProducer,
    allowed_producers,
    check_producer,
    producers_by_type,
)
from contracts.envelope import UnsupportedSchemaVersion
from contracts.events import (
    EVENT_TYPES,
    AppealAccepted,
    AppealResolved,
    AppealSubmitted,
    decode_event,
)
from contracts.topics import APPEAL_EVENTS
from tests.unit.services.consumer_fakes import submitted


def test_each_event_type_is_allowed_from_the_services_that_declare_it() -> None:
    allowed = allowed_producers()
    assert allowed["AppealSubmitted"] == {"intake"}
    assert allowed["AppealRouted"] == allowed["AssignmentIssued"] == {"router"}
    assert allowed["AppealResolved"] == {"executor-gateway"}
    # Operators' commands (publish rules, import territories) speak in the router's name.
    assert allowed["RuleSetPublished"] == allowed["TerritoriesChanged"] == {"router"}


def test_every_event_type_has_a_declared_producer() -> None:
    """Otherwise every consumer would dead-letter every event of that type."""
    nobody = {e.__name__ for e in EVENT_TYPES} - set(allowed_producers())
    assert not nobody, f"no service declares publishing {sorted(nobody)}"


def declaring(name: str, *events: type[AppealAccepted | AppealResolved]) -> ServiceDeclaration:
    return ServiceDeclaration(
        name=name,
        package=name,
        folder=name,
        env_prefix=name.upper(),
        port=1,
        database=name,
        summary="",
        publishes=(Publication(APPEAL_EVENTS, events),),
    )


def test_a_type_two_services_declare_is_allowed_from_both() -> None:
    services = [
        declaring("gateway", AppealAccepted, AppealResolved),
        declaring("crm", AppealResolved),
    ]
    assert dict(producers_by_type(services)) == {
        "AppealAccepted": {"gateway"},
        "AppealResolved": {"gateway", "crm"},
    }


def test_an_unexpected_producer_is_refused_with_who_was_expected() -> None:
    check_producer(submitted())
    forged = submitted().model_copy(update={"producer": "attacker"})
    with pytest.raises(UnexpectedProducer) as refused:
        check_producer(forged)
    assert (
        str(refused.value)
        == "unexpected producer 'attacker' for AppealSubmitted (expected: intake)"
    )
    with pytest.raises(UnexpectedProducer, match=r"\(expected: no declared producer\)"):
        check_producer(submitted(), allowed={})


def with_version(version: int) -> bytes:
    raw = json.loads(submitted().to_json())
    raw["schema_version"] = version
    return json.dumps(raw).encode()


def test_an_unknown_schema_version_does_not_decode() -> None:
    assert decode_event(with_version(1)).schema_version == 1
    with pytest.raises(UnsupportedSchemaVersion) as refused:
        decode_event(with_version(999))
    assert str(refused.value) == "unsupported schema_version 999 for AppealSubmitted (supported: 1)"


def test_a_type_that_learns_a_version_accepts_both_during_the_migration() -> None:
    class Migrating(AppealSubmitted):
        schema_versions: ClassVar[tuple[int, ...]] = (1, 2)

    for version in (1, 2):
        Migrating.model_validate_json(with_version(version)).check_schema_version()
    with pytest.raises(UnsupportedSchemaVersion, match=r"\(supported: 1, 2\)"):
        Migrating.model_validate_json(with_version(3)).check_schema_version()
