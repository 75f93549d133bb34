"""SIGKILL the sla-tracker while its timers fire: every mark of every clock is still
published, and none twice (a record sent again by the outbox relay carries the same event
id; a mark fired twice would carry two).

The tracker runs a one-minute policy here (a city folder of its own: the demo city with
its policies replaced), so marks fall due every few seconds while the test runs; the
session's tracker gets the demo city back at the end."""

import json
import shutil
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.integration.delivery import file_at_rate, wait_until_decided
from tests.integration.kafka_io import read_all
from tests.integration.platform import CITY, Platform, ServiceProcess, eventually
from tests.integration.test_router_crash import appeals_in_router, routable_cases

APPEALS = 40
SHARES = [round(0.1 * n, 1) for n in range(1, 10)]
"""Warnings every tenth of the minute: marks fall due every 6 s."""
MARKS_PER_CLOCK = len(SHARES) + 2
"""The warnings, the breach and one escalation rung (at the breach)."""
SLA_EVENTS = ("SlaWarning", "SlaBreached", "Escalated")


def one_minute_policies() -> dict[str, object]:
    """Every policy the demo rules name, each an answer within a minute."""
    policy = {
        "name": "one minute (test)",
        "stages": {"answer": {"within": 1, "unit": "minutes"}},
        "warn_at": SHARES,
        "escalation": [{"to": "executor_head", "at": 1.0}],
    }
    ids = ["federal-59fz", "operational", "emergency"]
    return {
        "version": 1,
        "default": "federal-59fz",
        "policies": [{"id": i, **policy} for i in ids],
    }


@pytest.fixture
def fast_tracker(platform: Platform, tmp_path: Path) -> Iterator[ServiceProcess]:
    """The session's tracker on the one-minute city; the demo city again afterwards."""
    tracker = platform["sla-tracker"]
    city = tmp_path / "fast-city"
    shutil.copytree(CITY, city)
    (city / "sla_policies.yaml").write_text(yaml.safe_dump(one_minute_policies()))
    tracker.stop()
    tracker.run("load-city", str(city))
    tracker.start()
    tracker.wait_ready()
    try:
        yield tracker
    finally:
        tracker.stop()
        tracker.run("load-city", str(CITY))
        tracker.start()
        tracker.wait_ready()


def sla_records(platform: Platform, appeal_ids: set[str]) -> list[dict[str, object]]:
    """The SLA events on `appeal.events` about `appeal_ids`, decoded."""
    found = []
    for record in read_all(platform.kafka, r"^appeal\.events$"):
        if record.headers.get("event-type") not in SLA_EVENTS:
            continue
        event = json.loads(record.value)
        if event["appeal_id"] in appeal_ids:
            found.append(event)
    return found


def test_timers_fire_every_mark_once_across_a_sigkill(
    platform: Platform, fast_tracker: ServiceProcess
) -> None:
    cases = routable_cases(APPEALS, seed=11, avoiding=appeals_in_router(platform))
    filed = file_at_rate(platform, cases, rate=50.0)
    wait_until_decided(platform, set(filed))
    ids = set(filed)

    def fired() -> int:
        return len(sla_records(platform, ids))

    eventually(lambda: fired() >= APPEALS * 3, what="the first warnings to fire")
    fast_tracker.kill()  # mid-stream: marks keep falling due while it is down
    time.sleep(3)
    fast_tracker.start()
    fast_tracker.wait_ready()
    eventually(
        lambda: fired() >= APPEALS * MARKS_PER_CLOCK,
        timeout_s=150,
        what=f"{MARKS_PER_CLOCK} marks for each of {APPEALS} clocks",
    )

    events = sla_records(platform, ids)
    ids_of: dict[tuple[object, ...], set[object]] = defaultdict(set)
    for event in events:
        payload = event["payload"]
        assert isinstance(payload, dict)
        key = (event["appeal_id"], event["type"], payload.get("share"), payload.get("rung"))
        ids_of[key].add(event["event_id"])
    twice = {mark: found for mark, found in ids_of.items() if len(found) > 1}
    assert twice == {}, f"marks fired twice: {list(twice)[:5]}"
    per_appeal: dict[object, list[tuple[object, ...]]] = defaultdict(list)
    for mark in ids_of:
        per_appeal[mark[0]].append(mark[1:])
    expected = sorted(
        [("SlaWarning", share, None) for share in SHARES]
        + [("SlaBreached", None, None), ("Escalated", 1.0, "executor_head")],
        key=str,
    )
    missing = {a: m for a, m in per_appeal.items() if sorted(m, key=str) != expected}
    assert missing == {}, f"clocks whose marks differ: {list(missing.items())[:3]}"
    assert set(per_appeal) == ids, "every clock fired"
