"""A suggestion on real Kafka and PostgreSQL: forwarded by the router to the organisation
its rules name, for information (never a task, never a duplicate), acknowledged there,
and closed for the citizen."""

from typing import Any

import httpx

from tests.integration.platform import Platform, eventually
from tests.integration.test_appeal_flow import (
    YARD_TSENTRALNAYA,
    appeal,
    assignment,
    citizen,
    dispatcher,
)

EXECUTOR = "uk-tsentralnaya"


def suggest(platform: Platform, text: str) -> str:
    body = {
        "category": "yard_cleaning",
        "location": YARD_TSENTRALNAYA,
        "text": text,
        "kind": "suggestion",
    }
    response = httpx.post(f"{platform.intake.url}/appeals", json=body, headers=citizen())
    assert response.status_code == 201, response.text
    appeal_id: str = response.json()["id"]
    return appeal_id


def seen_as(platform: Platform, appeal_id: str, status: str) -> dict[str, Any]:
    """The citizen's view of the appeal once it is in `status`."""

    def probe() -> dict[str, Any] | None:
        seen = appeal(platform, appeal_id)
        return seen if seen["status"] == status else None

    return eventually(probe, what=f"the appeal {status}")


def test_a_suggestion_is_forwarded_for_information_and_acknowledged(platform: Platform) -> None:
    first = suggest(platform, "Поставьте скамейки во дворе")
    second = suggest(platform, "И урны тоже")  # same place and category: not a duplicate
    for appeal_id in (first, second):
        forwarded = seen_as(platform, appeal_id, "forwarded")
        assert (forwarded["kind"], forwarded["executor"]["id"]) == ("suggestion", EXECUTOR)
    work = eventually(lambda: assignment(platform, EXECUTOR, first), what="the executor's copy")
    assert (work["kind"], work["status"]) == ("suggestion", "forwarded")

    url = f"{platform.gateway.url}/executors/{EXECUTOR}/assignments/{first}"
    refused = httpx.post(f"{url}/resolve", json={"answer": "Сделали"}, headers=dispatcher(EXECUTOR))
    assert refused.status_code == 409, refused.text  # information is acknowledged, not answered
    read = httpx.post(f"{url}/acknowledge", json={"comment": "Учтём"}, headers=dispatcher(EXECUTOR))
    assert read.status_code == 200, read.text

    closed = seen_as(platform, first, "closed")
    assert closed["history"][-1]["note"] == "Учтём"
