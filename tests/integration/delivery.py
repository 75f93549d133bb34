"""What the router's delivery tests share: filing appeals at a fixed rate, and the checks
once the load is over — every appeal decided once, its assignment at the executor the
decision names, and its events on the wire one decision each, linked in causal order
(submitted → routed → assigned)."""

import asyncio
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import httpx

from contracts.topics import APPEAL_EVENTS, APPEAL_SUBMITTED, dead_letter
from services.identity import Role
from tests.integration.kafka_io import Record, read_all, rows, scalar
from tests.integration.platform import Platform, auth_headers, eventually
from tests.integration.test_router_crash import all_assignments
from tests.waiting import scaled

Case = tuple[str, dict[str, float], str]
"""(category, location, the executor the rules name), as `routable_cases` makes them."""


def file_at_rate(platform: Platform, cases: list[Case], rate: float) -> dict[str, Case]:
    """POST `cases` to intake at `rate` a second, open loop (each at its time, whatever the
    answers to the earlier ones), as many citizens (filing limits are per citizen);
    appeal id → case."""
    citizens = [auth_headers(Role.CITIZEN, subject=f"citizen-at-rate-{i}") for i in range(64)]
    filed: dict[str, Case] = {}

    async def file(client: httpx.AsyncClient, n: int, case: Case) -> None:
        category, location, _ = case
        body = {"category": category, "location": location, "text": f"at {rate:g}/s, {n}"}
        response = await client.post("/appeals", json=body, headers=citizens[n % len(citizens)])
        assert response.status_code == 201, response.text
        filed[response.json()["id"]] = case

    async def file_all() -> None:
        # Keep-alive shorter than the server's (uvicorn: 5 s), or a reused connection may
        # be closed under the request.
        limits = httpx.Limits(
            max_connections=100, max_keepalive_connections=100, keepalive_expiry=2.0
        )
        async with httpx.AsyncClient(
            base_url=platform.intake.url, timeout=scaled(60), limits=limits
        ) as client:
            loop = asyncio.get_running_loop()
            start = loop.time()
            posts = []
            for n, case in enumerate(cases):
                if (wait := start + n / rate - loop.time()) > 0:
                    await asyncio.sleep(wait)
                posts.append(asyncio.create_task(file(client, n, case)))
            await asyncio.gather(*posts)

    asyncio.run(file_all())
    return filed


def in_list(ids: Iterable[str]) -> str:
    """`ids` as the inside of an SQL `IN (…)`."""
    return ", ".join(f"'{i}'" for i in ids) or "NULL"


def wait_until_decided(platform: Platform, appeal_ids: set[str]) -> None:
    """Wait until the router decided every one of `appeal_ids`."""
    ids = in_list(appeal_ids)
    eventually(
        lambda: (
            scalar(
                platform.router.database_url,
                f"SELECT count(DISTINCT appeal_id) FROM routing_decisions"
                f" WHERE appeal_id IN ({ids})",
            )
            == len(appeal_ids)
        ),
        timeout_s=120,
        what=f"the router to decide all {len(appeal_ids)} appeals",
        diagnose=lambda: platform.router.log_tail(20),
    )


def wait_until_assigned(platform: Platform, routed: set[str]) -> None:
    """Wait until the gateway holds an assignment for each of `routed` and intake shows
    them routed."""
    ids = in_list(routed)
    eventually(
        lambda: (
            scalar(
                platform.gateway.database_url,
                f"SELECT count(*) FROM assignments WHERE appeal_id IN ({ids})",
            )
            == len(routed)
        ),
        timeout_s=60,
        what="every assignment to reach the executor gateway",
    )
    eventually(
        lambda: (
            scalar(
                platform.intake.database_url,
                f"SELECT count(*) FROM appeals WHERE status = 'routed' AND id IN ({ids})",
            )
            == len(routed)
        ),
        timeout_s=60,
        what="intake to see every appeal routed",
    )


def check_routed_once(platform: Platform, expected: dict[str, str]) -> None:
    """Each appeal of `expected` (appeal id → executor) has one decision (routed, to that
    executor), one assignment there as its staff see it, and on the wire one
    `AppealSubmitted`, one `AppealRouted` caused by it, one `AssignmentIssued` caused by
    that on the executor's topic — a record sent again after a crash is the same event,
    byte for byte — and none was dead-lettered."""
    decided = rows(
        platform.router.database_url,
        "SELECT appeal_id::text, outcome, executor_id FROM routing_decisions"
        f" WHERE appeal_id IN ({in_list(expected)})",
    )
    assert sorted(decided) == sorted((a, "routed", e) for a, e in expected.items())

    for executor in set(expected.values()):
        mine = [
            a["appeal_id"]
            for a in all_assignments(platform, executor)
            if a["appeal_id"] in expected
        ]
        assert len(mine) == len(set(mine)), f"an appeal assigned twice at {executor}"
        assert set(mine) == {a for a, e in expected.items() if e == executor}

    submitted = one_event_each(read_topic(platform, APPEAL_SUBMITTED), expected)
    routers = [
        r for r in read_topic(platform, APPEAL_EVENTS) if r.headers.get("event-type") in ROUTERS
    ]  # the appeal's log also carries other services' events (the sla-tracker's deadline)
    routed = one_event_each(routers, expected)
    assigned = one_event_each(read_all(platform.kafka, r"^executor\..*\.assignments$"), expected)
    for appeal_id, executor in expected.items():
        assert submitted[appeal_id]["type"] == "AppealSubmitted"
        assert routed[appeal_id]["type"] == "AppealRouted"
        assert routed[appeal_id]["causation_id"] == submitted[appeal_id]["event_id"]
        assert routed[appeal_id]["payload"]["executor_id"] == executor
        assert assigned[appeal_id]["type"] == "AssignmentIssued"
        assert assigned[appeal_id]["causation_id"] == routed[appeal_id]["event_id"]
        assert assigned[appeal_id]["topic"] == f"executor.{executor}.assignments"

    parked = read_topic(platform, dead_letter(APPEAL_SUBMITTED, "router"))
    assert not [r for r in parked if appeal_of(r) in expected], "an appeal was dead-lettered"


ROUTERS = {"AppealRouted", "AppealForwarded", "NeedsManualRouting", "AppealDuplicate"}
"""The event types the router writes on `appeal.events` about a new appeal."""


def read_topic(platform: Platform, topic: str) -> list[Record]:
    return read_all(platform.kafka, f"^{re.escape(topic)}$")


def appeal_of(record: Record) -> str | None:
    """The appeal a record is about; None for what is not an event (other tests put
    garbage on the topics on purpose)."""
    try:
        event = json.loads(record.value)
    except ValueError:
        return None
    appeal_id = event.get("appeal_id") if isinstance(event, dict) else None
    return appeal_id if isinstance(appeal_id, str) else None


def one_event_each(records: list[Record], appeals: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The one event per appeal of `appeals` among `records` (with its `topic`), checked:
    all of an appeal's records are one event (the same bytes each time it was sent), on
    one partition, keyed by the appeal."""
    sent: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        appeal_id = appeal_of(record)
        if appeal_id is not None and appeal_id in appeals:
            sent[appeal_id].append(record)
    assert set(sent) == set(appeals), f"{len(set(appeals) - set(sent))} appeals missing"
    events: dict[str, dict[str, Any]] = {}
    for appeal_id, copies in sent.items():
        assert len({r.value for r in copies}) == 1, f"{appeal_id}: {len(copies)} events"
        assert len({(r.topic, r.partition) for r in copies}) == 1
        assert all(r.key == appeal_id.encode() for r in copies)
        events[appeal_id] = {**json.loads(copies[0].value), "topic": copies[0].topic}
    return events
