"""An AppealSubmitted that intake never produced, published straight to the broker, is
dead-lettered by the router (and every other reader of `appeal.submitted`) and never
reaches an executor."""

import json
from uuid import UUID

import pytest

from contracts.declarations import declared_services
from contracts.envelope import new_event_id
from contracts.events import AppealSubmitted, AppealSubmittedPayload
from contracts.topics import APPEAL_SUBMITTED, dead_letter
from executor_gateway.store import repository as gateways_store
from router.store import repository as routers_store
from services.testing import InProcessPlatform
from tests.usecases.test_appeal_lifecycle import POTHOLE, citizen_sees, submit


def forged(producer: str, schema_version: int) -> tuple[UUID, bytes]:
    appeal_id = new_event_id()
    event = AppealSubmitted(
        appeal_id=appeal_id,
        producer=producer,
        correlation_id=appeal_id,
        payload=AppealSubmittedPayload.model_validate(POTHOLE),
    )
    raw = json.loads(event.to_json())
    raw["schema_version"] = schema_version
    return appeal_id, json.dumps(raw).encode()


@pytest.mark.parametrize(
    ("producer", "schema_version", "reason"),
    [
        ("attacker", 1, "unexpected producer 'attacker' for AppealSubmitted (expected: intake)"),
        ("intake", 999, "unsupported schema_version 999 for AppealSubmitted (supported: 1)"),
    ],
    ids=["producer", "schema_version"],
)
async def test_a_forged_submission_is_dead_lettered_and_never_assigned(
    platform: InProcessPlatform, producer: str, schema_version: int, reason: str
) -> None:
    forged_id, body = forged(producer, schema_version)
    broker = platform.service("intake").runtime.broker
    await broker.publish(body, APPEAL_SUBMITTED, key=str(forged_id).encode())
    await platform.settled()

    parked = sorted((d.topic, d.reason, d.body) for d in platform.dead_letters)
    readers = sorted(
        d.name
        for d in declared_services()
        if any(s.address == APPEAL_SUBMITTED for s in d.consumes)
    )
    assert "router" in readers
    assert parked == [(dead_letter(APPEAL_SUBMITTED, name), reason, body) for name in readers]

    async with platform.service("router").runtime.db.session() as session:
        assert await routers_store.get_appeal(session, forged_id) is None

    # The same report from a citizen, through intake, is routed as a first report (the
    # forged one left no trace to be a duplicate of) and lands with the executor.
    appeal_id = await submit(platform, POTHOLE)
    seen = await citizen_sees(platform, appeal_id)
    assert seen["status"] == "routed", seen
    executor = seen["executor"]["id"]  # type: ignore[index]
    async with platform.service("executor-gateway").runtime.db.session() as session:
        assigned = await gateways_store.assignments(session, executor, None, 100, 0)
    assert [str(a.appeal_id) for a in assigned] == [appeal_id]
    about_forged = [p.event.type for p in platform.published if p.event.appeal_id == forged_id]
    assert set(about_forged) <= {"AppealSubmitted"}, "nothing follows from the forged one"
