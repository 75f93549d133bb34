"""End to end: an appeal travels intake → Kafka → router → executor, and back to intake."""

from typing import Any

import httpx

from services.identity import Role
from tests.integration.platform import Platform, auth_headers, eventually

YARD_TSENTRALNAYA = {"lat": 62.0255, "lon": 129.69}  # inside УК «Центральная»'s territory
INDUSTRIAL_EAST = {"lat": 62.012, "lon": 129.78}  # no management company serves it
OUTSIDE_CITY = {"lat": 62.03, "lon": 129.85}
FILER = "citizen-of-the-flow-tests"
"""The subject of the citizen who files (and so may read whole) these tests' appeals."""


def citizen(subject: str = FILER) -> dict[str, str]:
    return auth_headers(Role.CITIZEN, subject=subject)


def dispatcher(executor: str) -> dict[str, str]:
    """The headers of a dispatcher of `executor` (the organisation's own staff)."""
    return auth_headers(Role.EXECUTOR_DISPATCHER, organisation=executor)


def operator(subject: str = "operator-of-the-flow-tests") -> dict[str, str]:
    return auth_headers(Role.OPERATOR, subject=subject)


def submit(platform: Platform, category: str, location: dict[str, float], text: str) -> str:
    response = httpx.post(
        f"{platform.intake.url}/appeals",
        json={"category": category, "location": location, "text": text},
        headers=citizen(),
    )
    assert response.status_code == 201, response.text
    appeal_id: str = response.json()["id"]
    return appeal_id


def appeal(platform: Platform, appeal_id: str) -> dict[str, Any]:
    """The appeal as the citizen who filed it sees it (the private view)."""
    response = httpx.get(f"{platform.intake.url}/appeals/{appeal_id}", headers=citizen())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def decisions(platform: Platform, appeal_id: str) -> list[dict[str, Any]]:
    """The router's decisions on the appeal, as an operator reads them."""
    response = httpx.get(f"{platform.router.url}/routing/decisions/{appeal_id}", headers=operator())
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def assignment(platform: Platform, executor: str, appeal_id: str) -> dict[str, Any] | None:
    """The executor's assignment of the appeal as its dispatcher sees it; None if none."""
    response = httpx.get(
        f"{platform.gateway.url}/executors/{executor}/assignments/{appeal_id}",
        headers=dispatcher(executor),
    )
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_an_appeal_reaches_its_executor_and_the_citizen_sees_the_answer(platform: Platform) -> None:
    appeal_id = submit(platform, "yard_cleaning", YARD_TSENTRALNAYA, "Двор не убирают неделю")
    filed = appeal(platform, appeal_id)
    assert filed["status"] in {"new", "routed"}
    assert (filed["view"], filed["text"]) == ("private", "Двор не убирают неделю")

    work = eventually(
        lambda: assignment(platform, "uk-tsentralnaya", appeal_id), what="the assignment"
    )
    assert work["text"] == "Двор не убирают неделю"
    assert work["rule_id"] == "yard-housing-by-management-company"
    assert assignment(platform, "uk-severnaya", appeal_id) is None

    routed = eventually(
        lambda: (a := appeal(platform, appeal_id))["status"] == "routed" and a,
        what="intake to see the routing",
    )
    assert routed["executor"]["id"] == "uk-tsentralnaya"
    assert "Центральная" in routed["executor"]["name"]

    base = f"{platform.gateway.url}/executors/uk-tsentralnaya/assignments/{appeal_id}"
    staff = dispatcher("uk-tsentralnaya")
    accepted = httpx.post(f"{base}/accept", json={"comment": "Бригада выехала"}, headers=staff)
    assert accepted.status_code == 200, accepted.text
    resolved = httpx.post(
        f"{base}/resolve", json={"answer": "Двор убран, мусор вывезен"}, headers=staff
    )
    assert resolved.status_code == 200, resolved.text
    again = httpx.post(f"{base}/accept", headers=staff)
    assert again.status_code == 409, "a resolved appeal cannot be accepted again"

    final = eventually(
        lambda: (a := appeal(platform, appeal_id))["status"] == "resolved" and a,
        what="intake to see the resolution",
    )
    assert final["answer"] == "Двор убран, мусор вывезен"
    assert [step["status"] for step in final["history"]] == [
        "new",
        "routed",
        "accepted",
        "resolved",
    ]

    decided = decisions(platform, appeal_id)
    assert decided[0]["rule_id"] == "yard-housing-by-management-company"
    assert "mc-uk-tsentralnaya" in decided[0]["territory_ids"]


def test_a_yard_outside_every_company_goes_to_manual_routing(platform: Platform) -> None:
    appeal_id = submit(platform, "playground", INDUSTRIAL_EAST, "Сломаны качели")
    manual = eventually(
        lambda: (a := appeal(platform, appeal_id))["status"] == "manual_routing" and a,
        what="manual routing",
    )
    assert manual["executor"] is None
    decided = decisions(platform, appeal_id)
    assert decided[0]["outcome"] == "manual"
    assert "rule 'yard-housing-outside-companies'" in decided[0]["explanation"]


def test_intake_refuses_bad_appeals_with_a_reason(platform: Platform) -> None:
    url = f"{platform.intake.url}/appeals"
    cases = {
        "outside_served_area": {"category": "pothole", "location": OUTSIDE_CITY, "text": "Яма"},
        "unknown_category": {"category": "ufo", "location": YARD_TSENTRALNAYA, "text": "НЛО"},
        "string_too_short": {"category": "pothole", "location": YARD_TSENTRALNAYA, "text": "   "},
        "string_too_long": {
            "category": "pothole",
            "location": YARD_TSENTRALNAYA,
            "text": "я" * 5001,
        },
    }
    for reason, body in cases.items():
        response = httpx.post(url, json=body, headers=citizen())
        assert response.status_code == 422, (reason, response.text)
        assert response.json()["detail"][0]["type"] == reason


def test_a_retried_submission_with_the_same_idempotency_key_files_one_appeal(
    platform: Platform,
) -> None:
    url = f"{platform.intake.url}/appeals"
    body = {"category": "pothole", "location": YARD_TSENTRALNAYA, "text": "Яма у подъезда"}
    key = {"Idempotency-Key": "test-retry-1"}
    first = httpx.post(url, json=body, headers={**key, **citizen()})
    second = httpx.post(url, json=body, headers={**key, **citizen()})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    neighbour = httpx.post(url, json=body, headers={**key, **citizen("a-neighbour")})
    assert neighbour.status_code == 201, "one citizen's key never answers with another's appeal"
    assert neighbour.json()["id"] != first.json()["id"]
