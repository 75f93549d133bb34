"""End to end: an appeal travels intake → Kafka → router → executor, and back to intake."""

from typing import Any

import httpx

from tests.integration.platform import Platform, eventually

YARD_TSENTRALNAYA = {"lat": 62.0255, "lon": 129.69}  # inside УК «Центральная»'s territory
INDUSTRIAL_EAST = {"lat": 62.012, "lon": 129.78}  # no management company serves it
OUTSIDE_CITY = {"lat": 62.03, "lon": 129.85}


def submit(platform: Platform, category: str, location: dict[str, float], text: str) -> str:
    response = httpx.post(
        f"{platform.intake.url}/appeals",
        json={"category": category, "location": location, "text": text},
    )
    assert response.status_code == 201, response.text
    appeal_id: str = response.json()["id"]
    return appeal_id


def appeal(platform: Platform, appeal_id: str) -> dict[str, Any]:
    response = httpx.get(f"{platform.intake.url}/appeals/{appeal_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assignment(platform: Platform, executor: str, appeal_id: str) -> dict[str, Any] | None:
    response = httpx.get(f"{platform.gateway.url}/executors/{executor}/assignments/{appeal_id}")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_an_appeal_reaches_its_executor_and_the_citizen_sees_the_answer(platform: Platform) -> None:
    appeal_id = submit(platform, "yard_cleaning", YARD_TSENTRALNAYA, "Двор не убирают неделю")
    assert appeal(platform, appeal_id)["status"] in {"new", "routed"}

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
    accepted = httpx.post(f"{base}/accept", json={"comment": "Бригада выехала"})
    assert accepted.status_code == 200, accepted.text
    resolved = httpx.post(f"{base}/resolve", json={"answer": "Двор убран, мусор вывезен"})
    assert resolved.status_code == 200, resolved.text
    again = httpx.post(f"{base}/accept")
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

    decisions = httpx.get(f"{platform.router.url}/routing/decisions/{appeal_id}").json()
    assert decisions[0]["rule_id"] == "yard-housing-by-management-company"
    assert "mc-uk-tsentralnaya" in decisions[0]["territory_ids"]


def test_an_appeal_no_rule_matches_goes_to_manual_routing(platform: Platform) -> None:
    appeal_id = submit(platform, "playground", INDUSTRIAL_EAST, "Сломаны качели")
    manual = eventually(
        lambda: (a := appeal(platform, appeal_id))["status"] == "manual_routing" and a,
        what="manual routing",
    )
    assert manual["executor"] is None
    decisions = httpx.get(f"{platform.router.url}/routing/decisions/{appeal_id}").json()
    assert decisions[0]["outcome"] == "manual"
    assert "no rule" in decisions[0]["explanation"]


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
        response = httpx.post(url, json=body)
        assert response.status_code == 422, (reason, response.text)
        assert response.json()["detail"][0]["type"] == reason


def test_a_retried_submission_with_the_same_idempotency_key_files_one_appeal(
    platform: Platform,
) -> None:
    body = {"category": "pothole", "location": YARD_TSENTRALNAYA, "text": "Яма у подъезда"}
    headers = {"Idempotency-Key": "test-retry-1"}
    first = httpx.post(f"{platform.intake.url}/appeals", json=body, headers=headers)
    second = httpx.post(f"{platform.intake.url}/appeals", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
