"""The citizen judges the executor's answer on real Kafka and PostgreSQL: reopens it (the
appeal goes back to the same executor), then confirms the next answer with a rating."""

import json
from typing import Any

import httpx

from tests.integration.kafka_io import read_all
from tests.integration.platform import Platform, eventually
from tests.integration.test_appeal_flow import (
    YARD_TSENTRALNAYA,
    appeal,
    assignment,
    citizen,
    dispatcher,
    submit,
)

EXECUTOR = "uk-tsentralnaya"


def verdict(platform: Platform, appeal_id: str, body: dict[str, object]) -> dict[str, Any]:
    response = httpx.post(
        f"{platform.intake.url}/appeals/{appeal_id}/verdict", json=body, headers=citizen()
    )
    assert response.status_code == 200, response.text
    seen: dict[str, Any] = response.json()
    return seen


def resolve(platform: Platform, appeal_id: str, answer: str) -> None:
    url = f"{platform.gateway.url}/executors/{EXECUTOR}/assignments/{appeal_id}/resolve"
    response = httpx.post(url, json={"answer": answer}, headers=dispatcher(EXECUTOR))
    assert response.status_code == 200, response.text


def has_status(platform: Platform, appeal_id: str, status: str) -> dict[str, Any] | None:
    seen = appeal(platform, appeal_id)
    return seen if seen["status"] == status else None


def assignment_has_status(platform: Platform, appeal_id: str, status: str) -> bool:
    work = assignment(platform, EXECUTOR, appeal_id)
    return work is not None and work["status"] == status


def intakes_events(platform: Platform, appeal_id: str, count: int) -> list[dict[str, Any]] | None:
    """The `count` events intake published about the appeal on `appeal.events`, once
    they are all there."""
    events = [json.loads(r.value) for r in read_all(platform.kafka, r"^appeal\.events$")]
    mine = [e for e in events if e["appeal_id"] == appeal_id and e["producer"] == "intake"]
    return mine if len(mine) >= count else None


def test_the_citizen_reopens_an_answer_and_confirms_the_next(platform: Platform) -> None:
    appeal_id = submit(platform, "yard_cleaning", YARD_TSENTRALNAYA, "Двор не убирают")
    eventually(lambda: assignment(platform, EXECUTOR, appeal_id), what="the assignment")
    resolve(platform, appeal_id, "Убрали")
    eventually(lambda: has_status(platform, appeal_id, "resolved"), what="intake sees the answer")

    disputed = verdict(
        platform, appeal_id, {"verdict": "reopen", "reason": "Мусор на месте", "rating": 2}
    )
    assert (disputed["status"], disputed["rating"]) == ("reopened", 2), "seen at once"
    eventually(
        lambda: assignment_has_status(platform, appeal_id, "reopened"),
        what="the executor's assignment reopened",
    )

    resolve(platform, appeal_id, "Убрали ещё раз, вывезли мусор")
    eventually(lambda: has_status(platform, appeal_id, "resolved"), what="the second answer")
    confirmed = verdict(
        platform, appeal_id, {"verdict": "confirm", "rating": 5, "comment": "Спасибо"}
    )
    assert (confirmed["status"], confirmed["rating"]) == ("closed", 5)
    eventually(
        lambda: assignment_has_status(platform, appeal_id, "closed"),
        what="the executor's assignment closed",
    )

    published = eventually(
        lambda: intakes_events(platform, appeal_id, 2),
        what="intake's events on appeal.events",
    )
    assert [e["type"] for e in published] == ["AppealReopened", "AppealConfirmed"]
    reopened, confirmation = published[0]["payload"], published[1]["payload"]
    assert (reopened["executor_id"], reopened["rating"]) == (EXECUTOR, 2)
    assert (confirmation["rating"], confirmation["comment"]) == (5, "Спасибо")

    history = appeal(platform, appeal_id)["history"]
    assert [s["event"] for s in history] == [
        "AppealSubmitted",
        "AppealRouted",
        "AppealResolved",
        "AppealReopened",
        "AppealResolved",
        "AppealConfirmed",
    ], "intake's own events came back from Kafka as no-ops, never applied twice"
    assert [s["by"] for s in history if s["actor"] == "citizen"] == ["you", "you"]
    assert all(s["by"] for s in history if s["actor"] == "executor"), "who answered"
