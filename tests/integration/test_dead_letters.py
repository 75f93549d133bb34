"""A poison message goes to the router's dead-letter topic and routing goes on; a forged
submission is refused by the broker (a service other than intake may not write it) or,
produced as the admin whom the ACLs let through, dead-lettered by the router."""

import asyncio
import json
import os
import re
import subprocess
import sys
from uuid import uuid4

import httpx
import pytest
from aiokafka.errors import TopicAuthorizationFailedError

from contracts.declarations import declared_services, producers_by_type
from contracts.topics import APPEAL_SUBMITTED, dead_letter
from services.dead_letters import list_dead_letters, replay_dead_letters
from tests.integration.kafka_io import Record, produce_to_every_partition, read_all, scalar
from tests.integration.platform import Platform, eventually
from tests.integration.test_appeal_flow import YARD_TSENTRALNAYA, appeal, submit
from tests.usecases.test_forged_envelopes import forged
from tests.waiting import scaled


def parked_letters(platform: Platform, dlq: str, marker: str, expected: int) -> list[Record]:
    """Wait until `expected` messages carrying `marker` sit on the dead-letter topic."""

    def parked() -> list[Record] | None:
        found = [r for r in read_all(platform.kafka, f"^{dlq}$") if marker.encode() in r.value]
        return found if len(found) >= expected else None

    letters = eventually(parked, what=f"{expected} dead letters")
    assert len(letters) == expected
    return letters


def test_malformed_messages_are_dead_lettered_and_the_next_appeal_is_routed(
    platform: Platform,
) -> None:
    marker = uuid4().hex
    not_json = f"garbage {marker} {{".encode()
    wrong_shape = json.dumps({"type": "AppealSubmitted", "marker": marker}).encode()
    partitions = produce_to_every_partition(
        platform.kafka, APPEAL_SUBMITTED, [not_json, wrong_shape]
    )

    appeal_id = submit(platform, "road_marking", YARD_TSENTRALNAYA, "Стёрлась разметка")
    routed = eventually(
        lambda: (a := appeal(platform, appeal_id))["status"] == "routed" and a,
        what="the good appeal to be routed past the poison ones",
    )
    assert routed["executor"]["id"] == "adm-centre"

    dlq = dead_letter(APPEAL_SUBMITTED, "router")
    parked = parked_letters(platform, dlq, marker, expected=2 * partitions)
    assert len({r.headers["dlq-original-partition"] for r in parked}) == partitions
    assert {r.value for r in parked} == {not_json, wrong_shape}
    for record in parked:
        assert record.headers["dlq-consumer"] == "router"
        assert record.headers["dlq-original-topic"] == APPEAL_SUBMITTED
        assert record.headers["dlq-reason"].startswith("undecodable:")
        assert int(record.headers["dlq-original-offset"]) >= 0

    metrics = httpx.get(f"{platform.router.url}/metrics").text
    assert 'appeals_messages_total{consumer="router",outcome="dead_lettered"' in metrics


def test_dead_letters_can_be_listed_and_replayed_once(platform: Platform) -> None:
    dlq = dead_letter(APPEAL_SUBMITTED, "router")
    marker = uuid4().hex
    partitions = produce_to_every_partition(
        platform.kafka, APPEAL_SUBMITTED, [f"{marker} {{".encode()]
    )
    parked = parked_letters(platform, dlq, marker, expected=partitions)
    listed = asyncio.run(list_dead_letters(platform.kafka, dlq))
    assert {(r.partition, r.offset) for r in parked} <= {(d.partition, d.offset) for d in listed}

    replayed = asyncio.run(replay_dead_letters(platform.kafka, dlq))
    mine = [d for d in replayed if marker.encode() in d.value]
    assert len(mine) == len(parked)
    back = [
        r
        for r in read_all(platform.kafka, f"^{APPEAL_SUBMITTED}$")
        if marker.encode() in r.value and "dlq-replayed-from" in r.headers
    ]
    assert len(back) == len(parked), "each replayed letter is back on its original topic"

    again = asyncio.run(replay_dead_letters(platform.kafka, dlq, dry_run=True))
    assert not {(d.partition, d.offset) for d in again} & {
        (d.partition, d.offset) for d in replayed
    }


@pytest.mark.parametrize(
    ("producer", "schema_version", "reason"),
    [
        ("attacker", 1, "unexpected producer 'attacker' for AppealSubmitted (expected: intake)"),
        ("intake", 999, "unsupported schema_version 999 for AppealSubmitted (supported: 1)"),
    ],
    ids=["producer", "schema_version"],
)
def test_a_forged_submission_past_the_acls_is_dead_lettered_and_never_routed(
    platform: Platform, producer: str, schema_version: int, reason: str
) -> None:
    forged_id, body = forged(producer, schema_version)
    partitions = produce_to_every_partition(platform.kafka, APPEAL_SUBMITTED, [body])

    dlq = dead_letter(APPEAL_SUBMITTED, "router")
    parked = parked_letters(platform, dlq, str(forged_id), expected=partitions)
    assert {(r.value, r.headers["dlq-reason"]) for r in parked} == {(body, reason)}
    decisions = f"SELECT count(*) FROM routing_decisions WHERE appeal_id = '{forged_id}'"
    assert scalar(platform.router.database_url, decisions) == 0


def test_every_service_signs_in_to_the_broker_as_itself(platform: Platform) -> None:
    if not platform.broker.secured:
        pytest.skip("the broker was given or came from testcontainers: it is open")
    for service in platform.services:
        users = set(re.findall(r"Authenticated as ([\w.-]+)", service.log_path.read_text()))
        assert users == {service.declaration.name}, (service.module, users)  # aiokafka's log


def test_no_service_but_intake_may_put_a_submission_on_the_broker(platform: Platform) -> None:
    if not platform.broker.secured:
        pytest.skip("the broker was given or came from testcontainers: it is open")
    submitters = producers_by_type(declared_services())["AppealSubmitted"]
    outsiders = [s.name for s in declared_services() if s.name not in submitters]
    assert outsiders, "a platform of intake alone has nobody to refuse"
    marker = uuid4().hex
    for name in outsiders:  # a service may not forge another's event on the broker ...
        with pytest.raises(TopicAuthorizationFailedError):
            produce_to_every_partition(
                platform.broker.signed_in_as(name), APPEAL_SUBMITTED, [marker.encode()]
            )
    sent = sum(  # while the service that publishes it may
        produce_to_every_partition(
            platform.broker.signed_in_as(name), APPEAL_SUBMITTED, [marker.encode()]
        )
        for name in submitters
    )
    on_topic = read_all(platform.kafka, f"^{APPEAL_SUBMITTED}$")
    assert sent > 0
    assert sum(r.value == marker.encode() for r in on_topic) == sent


def test_listing_a_dead_letter_topic_nothing_was_ever_parked_on_says_it_is_empty(
    platform: Platform,
) -> None:
    never = f"dlq.nobody.{uuid4().hex}"
    done = subprocess.run(
        [sys.executable, "-m", "services", "dlq", "list", never],
        env={**os.environ, **platform.broker.admin_env()},
        capture_output=True,
        text=True,
        timeout=scaled(120),
    )
    assert done.returncode == 0, done.stderr
    assert f"{never}: the queue is empty" in done.stdout
    assert "Traceback" not in done.stderr
