"""On real Kafka and PostgreSQL: the executor accepts with a planned date and asks the
citizen a question; the citizen's answer (through intake) resumes the assignment, which is
then resolved; an operator rejects a non-answer and the executor works on it again."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from contracts.topics import APPEAL_EVENTS
from services.identity import Role
from tests.integration.kafka_io import read_all
from tests.integration.platform import Platform, auth_headers, eventually
from tests.integration.test_appeal_flow import appeal, citizen, submit

YARD_LENSKAYA = {"lat": 62.0095, "lon": 129.725}  # inside УК «Ленская»'s territory
EXECUTOR = "uk-lenskaya"
DISPATCHER = "dispatcher-of-the-steps-tests"
OPERATOR = "operator-of-the-steps-tests"


def base(platform: Platform, appeal_id: str) -> str:
    return f"{platform.gateway.url}/executors/{EXECUTOR}/assignments/{appeal_id}"


def dispatcher() -> dict[str, str]:
    return auth_headers(Role.EXECUTOR_DISPATCHER, organisation=EXECUTOR, subject=DISPATCHER)


def take(platform: Platform, appeal_id: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
    """The executor's dispatcher takes a step; it must be allowed."""
    response = httpx.post(f"{base(platform, appeal_id)}/{action}", json=body, headers=dispatcher())
    assert response.status_code == 200, response.text
    taken: dict[str, Any] = response.json()
    return taken


def assignment(platform: Platform, appeal_id: str) -> dict[str, Any] | None:
    response = httpx.get(base(platform, appeal_id), headers=dispatcher())
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def in_status(platform: Platform, appeal_id: str, status: str) -> dict[str, Any]:
    """The assignment once it is in `status`."""

    def there() -> dict[str, Any] | None:
        seen = assignment(platform, appeal_id)
        return seen if seen is not None and seen["status"] == status else None

    return eventually(there, what=f"the assignment to be {status}")


def test_a_question_answered_through_intake_resumes_the_work(platform: Platform) -> None:
    appeal_id = submit(platform, "roof_leak", YARD_LENSKAYA, "Течёт крыша над квартирой")
    in_status(platform, appeal_id, "routed")
    planned = (datetime.now(UTC) + timedelta(days=3)).date()
    accepted = take(platform, appeal_id, "accept", {"planned_date": str(planned)})
    assert accepted["planned_date"] == str(planned)
    take(platform, appeal_id, "ask", {"question": "Какая квартира и этаж?"})
    eventually(
        lambda: appeal(platform, appeal_id)["status"] == "needs_clarification",
        what="intake to see the question",
    )

    answered = httpx.post(
        f"{platform.intake.url}/appeals/{appeal_id}/clarification",
        json={"answer": "Квартира 12, пятый этаж"},
        headers=citizen(),
    )
    assert answered.status_code == 200, answered.text
    resumed = in_status(platform, appeal_id, "accepted")
    assert resumed["clarification"] == "Квартира 12, пятый этаж"

    take(platform, appeal_id, "resolve", {"answer": "Кровля отремонтирована"})
    eventually(
        lambda: appeal(platform, appeal_id)["status"] == "resolved",
        what="intake to see the resolution",
    )
    history = assignment(platform, appeal_id)["history"]  # type: ignore[index]
    assert [(h["step"], h["by"]) for h in history] == [
        ("issued", "router"),
        ("accepted", DISPATCHER),
        ("clarification_requested", DISPATCHER),
        ("clarification_provided", "citizen"),
        ("resolved", DISPATCHER),
    ]


def test_an_operator_sends_a_non_answer_back_to_the_executor(platform: Platform) -> None:
    appeal_id = submit(platform, "entrance_repair", YARD_LENSKAYA, "Разбита дверь подъезда")
    in_status(platform, appeal_id, "routed")
    take(platform, appeal_id, "resolve", {"answer": "Работы проведены"})
    operator = auth_headers(Role.OPERATOR, subject=OPERATOR)
    rejected = httpx.post(
        f"{base(platform, appeal_id)}/answer-rejection",
        json={"reason": "Не сказано, какие работы"},
        headers=operator,
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "reopened"
    again = take(platform, appeal_id, "resolve", {"answer": "Дверь заменена 12 марта"})
    assert again["status"] == "resolved"

    def gateways_events() -> list[tuple[str, str]]:
        records = read_all(platform.kafka, f"^{APPEAL_EVENTS}$")
        values = [json.loads(r.value) for r in records]
        return [
            (v["type"], v["payload"]["by"])
            for v in values
            if v.get("appeal_id") == appeal_id and v["producer"] == "executor-gateway"
        ]

    published = eventually(
        lambda: len(e := gateways_events()) == 3 and e, what="the gateway's events on the topic"
    )
    assert published == [
        ("AppealResolved", DISPATCHER),
        ("AnswerRejected", OPERATOR),
        ("AppealResolved", DISPATCHER),
    ]
