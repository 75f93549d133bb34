"""A poison message goes to the router's dead-letter topic and routing goes on."""

import asyncio
import json
from uuid import uuid4

import httpx

from contracts.topics import APPEAL_SUBMITTED, dead_letter
from services.dead_letters import list_dead_letters, replay_dead_letters
from tests.integration.kafka_io import Record, produce_to_every_partition, read_all
from tests.integration.platform import Platform, eventually
from tests.integration.test_appeal_flow import YARD_TSENTRALNAYA, appeal, submit


def parked_letters(platform: Platform, dlq: str, marker: str, expected: int) -> list[Record]:
    """Wait until `expected` messages carrying `marker` sit on the dead-letter topic."""

    def parked() -> list[Record] | None:
        found = [
            r for r in read_all(platform.kafka_bootstrap, f"^{dlq}$") if marker.encode() in r.value
        ]
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
        platform.kafka_bootstrap, APPEAL_SUBMITTED, [not_json, wrong_shape]
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
        platform.kafka_bootstrap, APPEAL_SUBMITTED, [f"{marker} {{".encode()]
    )
    parked = parked_letters(platform, dlq, marker, expected=partitions)
    listed = asyncio.run(list_dead_letters(platform.kafka_bootstrap, dlq))
    assert {(r.partition, r.offset) for r in parked} <= {(d.partition, d.offset) for d in listed}

    replayed = asyncio.run(replay_dead_letters(platform.kafka_bootstrap, dlq))
    mine = [d for d in replayed if marker.encode() in d.value]
    assert len(mine) == len(parked)
    back = [
        r
        for r in read_all(platform.kafka_bootstrap, f"^{APPEAL_SUBMITTED}$")
        if marker.encode() in r.value and "dlq-replayed-from" in r.headers
    ]
    assert len(back) == len(parked), "each replayed letter is back on its original topic"

    again = asyncio.run(replay_dead_letters(platform.kafka_bootstrap, dlq, dry_run=True))
    assert not {(d.partition, d.offset) for d in again} & {
        (d.partition, d.offset) for d in replayed
    }
