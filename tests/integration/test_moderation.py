"""Moderation on real Kafka and PostgreSQL: a rude appeal is held in intake (the router
keeps it unrouted), a moderator approves it with a polite public text, and only then does
the executor get it — as the citizen wrote it."""

import json
from typing import Any

import httpx

from services.identity import Role
from tests.integration.kafka_io import read_all
from tests.integration.platform import Platform, auth_headers, eventually
from tests.integration.test_appeal_flow import YARD_TSENTRALNAYA, appeal, assignment, submit
from tests.integration.test_citizen_steps import has_status

EXECUTOR = "uk-tsentralnaya"
RUDE = "Двор не убирают, эти идиоты из УК. Звоните 8 (914) 123-45-67"
POLITE = "Двор не убирают. Звоните [телефон]"


def intakes_events(platform: Platform, appeal_id: str, count: int) -> list[dict[str, Any]] | None:
    events = [json.loads(r.value) for r in read_all(platform.kafka, r"^appeal\.events$")]
    mine = [e for e in events if e["appeal_id"] == appeal_id and e["producer"] == "intake"]
    return mine if len(mine) >= count else None


def test_a_held_appeal_reaches_the_executor_only_once_a_moderator_approves_it(
    platform: Platform,
) -> None:
    appeal_id = submit(platform, "roof_leak", YARD_TSENTRALNAYA, RUDE)
    moderator = auth_headers(Role.MODERATOR, subject="moderator-of-the-flow-tests")
    assert appeal(platform, appeal_id)["status"] == "moderation", "held at once"

    def queued() -> dict[str, Any] | None:
        queue = httpx.get(f"{platform.intake.url}/moderation/queue", headers=moderator)
        assert queue.status_code == 200, queue.text
        return next((q for q in queue.json() if q["id"] == appeal_id), None)

    held = eventually(queued, what="the appeal in the moderators' queue")
    assert (held["text"], held["reasons"]) == (RUDE, ["obscene language: «идиоты»"])
    (held_event,) = eventually(
        lambda: intakes_events(platform, appeal_id, 1), what="AppealHeld on appeal.events"
    )
    assert held_event["type"] == "AppealHeld"
    public = httpx.get(f"{platform.intake.url}/appeals/{appeal_id}").json()
    assert (public["status"], public["text"]) == ("moderation", None)
    assert assignment(platform, EXECUTOR, appeal_id) is None, "no executor has it while held"

    approved = httpx.post(
        f"{platform.intake.url}/moderation/{appeal_id}/approve",
        json={"public_text": POLITE},
        headers=moderator,
    )
    assert approved.status_code == 200, approved.text
    work = eventually(
        lambda: assignment(platform, EXECUTOR, appeal_id), what="the executor's assignment"
    )
    assert work["text"] == RUDE, "the executor reads what the citizen wrote"
    eventually(lambda: has_status(platform, appeal_id, "routed"), what="intake sees it routed")
    public = httpx.get(f"{platform.intake.url}/appeals/{appeal_id}").json()
    assert (public["status"], public["text"]) == ("routed", POLITE)
    published = eventually(
        lambda: intakes_events(platform, appeal_id, 2), what="AppealApproved on appeal.events"
    )
    assert [e["type"] for e in published] == ["AppealHeld", "AppealApproved"]
    assert published[1]["payload"]["by"] == "moderator-of-the-flow-tests"
    history = [s["event"] for s in appeal(platform, appeal_id)["history"]]
    assert history == ["AppealSubmitted", "AppealHeld", "AppealApproved", "AppealRouted"], (
        "intake's own events came back from Kafka as no-ops"
    )
