"""Redirects, the manual queue and duplicates, across intake, router and executor-gateway.

The test platform runs the router with ROUTER_MAX_REDIRECTS=1."""

from typing import Any

import httpx

from tests.integration.platform import Platform, eventually
from tests.integration.test_appeal_flow import (
    appeal,
    assignment,
    citizen,
    decisions,
    dispatcher,
    operator,
    submit,
)

PARK = {"lat": 62.0350, "lon": 129.7060}  # Парк Победы, in the centre district
LENSKAYA = {"lat": 62.0095, "lon": 129.7250}  # УК «Ленская»'s territory
METRE_LAT = 1 / 111_195


def with_status(platform: Platform, appeal_id: str, status: str) -> dict[str, Any]:
    return eventually(
        lambda: (a := appeal(platform, appeal_id))["status"] == status and a,
        what=f"appeal {appeal_id} to be {status}",
    )


def redirect(platform: Platform, executor: str, appeal_id: str, reason: str) -> None:
    url = f"{platform.gateway.url}/executors/{executor}/assignments/{appeal_id}/redirect"
    response = httpx.post(url, json={"reason": reason}, headers=dispatcher(executor))
    assert response.status_code == 200, response.text


def test_redirects_reroute_without_the_executor_then_an_operator_decides(
    platform: Platform,
) -> None:
    appeal_id = submit(platform, "fallen_tree", PARK, "Упало дерево на аллее")
    eventually(lambda: assignment(platform, "parks-dept", appeal_id), what="the park's assignment")

    redirect(platform, "parks-dept", appeal_id, "Аллея за оградой парка — не наша территория")
    eventually(
        lambda: assignment(platform, "adm-centre", appeal_id),
        what="the district's turn",
        diagnose=lambda: (
            f"intake: {appeal(platform, appeal_id)}\n"
            f"router: {httpx.get(f'{platform.router.url}/routing/decisions/{appeal_id}', headers=operator()).text}\n"
            f"gateway: {assignment(platform, 'parks-dept', appeal_id)}\n"
            f"router metrics: {[m for m in httpx.get(f'{platform.router.url}/metrics').text.splitlines() if m.startswith(('appeals_messages_total', 'appeals_consumer_lag'))]}"
        ),
    )
    rerouted = with_status(platform, appeal_id, "routed")
    assert rerouted["executor"]["id"] == "adm-centre"
    assert assignment(platform, "parks-dept", appeal_id)["status"] == "redirected"  # type: ignore[index]

    redirect(platform, "adm-centre", appeal_id, "Деревья в парке — не наши")
    queued = with_status(platform, appeal_id, "manual_routing")
    assert queued["executor"] is None
    manual = httpx.get(f"{platform.router.url}/routing/manual", headers=operator()).json()
    mine = next(q for q in manual if q["appeal_id"] == appeal_id)
    assert mine["excluded_executor_ids"] == ["parks-dept", "adm-centre"]
    assert "redirected 2 times" in mine["reason"]

    routing = f"{platform.router.url}/routing/manual/{appeal_id}"
    ivanova = operator("ivanova")
    unknown = httpx.post(routing, json={"executor_id": "nobody"}, headers=ivanova)
    assert unknown.status_code == 422
    decided = httpx.post(
        routing,
        json={"executor_id": "parks-dept", "note": "граница парка по плану"},
        headers=ivanova,
    )
    assert decided.status_code == 200, decided.text
    again = httpx.post(routing, json={"executor_id": "parks-dept"}, headers=ivanova)
    assert again.status_code == 409, "an appeal leaves the queue once"

    back = eventually(
        lambda: (
            (a := assignment(platform, "parks-dept", appeal_id)) and a["status"] == "routed" and a
        ),
        what="the park's assignment to reopen",
    )
    assert back["rule_id"] == "manual"
    final = with_status(platform, appeal_id, "routed")
    assert final["executor"]["id"] == "parks-dept"
    assert [s["status"] for s in final["history"]] == [
        "new",
        "routed",
        "redirected",
        "routed",
        "redirected",
        "manual_routing",
        "routed",
    ]
    decided_all = decisions(platform, appeal_id)
    assert [(d["attempt"], d["outcome"], d["executor_id"]) for d in decided_all] == [
        (1, "routed", "parks-dept"),
        (2, "routed", "adm-centre"),
        (3, "manual", None),
        (4, "routed", "parks-dept"),
    ]
    assert decided_all[3]["decided_by"] == "ivanova", "the signed-in operator decided"
    assert any(
        c["verdict"] == "the executor redirected this appeal before"
        for c in decided_all[1]["candidates"]
    )


def test_a_nearby_report_of_the_same_problem_follows_the_original(platform: Platform) -> None:
    original = submit(platform, "dumpster_overflow", LENSKAYA, "Контейнеры переполнены")
    with_status(platform, original, "routed")
    near = {"lat": LENSKAYA["lat"] + 30 * METRE_LAT, "lon": LENSKAYA["lon"]}
    far = {"lat": LENSKAYA["lat"] + 70 * METRE_LAT, "lon": LENSKAYA["lon"]}
    repeat = submit(platform, "dumpster_overflow", near, "Мусор не вывозят")
    separate = submit(platform, "dumpster_overflow", far, "Мусор у соседнего дома")

    duplicate = with_status(platform, repeat, "duplicate")
    assert duplicate["duplicate_of"]["id"] == original
    assert with_status(platform, separate, "routed")["executor"]["id"] == "waste-operator"
    assert assignment(platform, "waste-operator", repeat) is None, "no new work for a duplicate"
    decision = decisions(platform, repeat)[0]
    assert decision["outcome"] == "duplicate"
    assert "30 m away" in decision["explanation"]

    base = f"{platform.gateway.url}/executors/waste-operator/assignments/{original}"
    resolved = httpx.post(
        f"{base}/resolve", json={"answer": "Вывезли"}, headers=dispatcher("waste-operator")
    )
    assert resolved.status_code == 200, resolved.text
    followed = eventually(
        lambda: (a := appeal(platform, repeat))["duplicate_of"]["status"] == "resolved" and a,
        what="the duplicate to show the original's answer",
    )
    assert followed["duplicate_of"]["answer"] == "Вывезли"

    south = {"lat": LENSKAYA["lat"] - 30 * METRE_LAT, "lon": LENSKAYA["lon"]}  # 30 m from it
    after = submit(platform, "dumpster_overflow", south, "Снова переполнены")
    assert with_status(platform, after, "routed")["duplicate_of"] is None, (
        "a resolved appeal is no original"
    )


def test_a_registered_building_routes_to_its_company_outside_every_polygon(
    platform: Platform,
) -> None:
    industrial_east = {"lat": 62.0120, "lon": 129.7800}  # no management company's polygon
    response = httpx.post(
        f"{platform.intake.url}/appeals",
        json={
            "category": "yard_cleaning",
            "location": industrial_east,
            "building_id": "ln-0003",
            "address": "ул. Промышленная, д. 7",
            "text": "Не убирают двор общежития",
        },
        headers=citizen(),
    )
    assert response.status_code == 201, response.text
    routed = with_status(platform, response.json()["id"], "routed")
    assert routed["executor"]["id"] == "uk-lenskaya"
    decision = decisions(platform, routed["id"])[0]
    assert "registry" in decision["explanation"]
    assert "mc-uk-lenskaya" in decision["territory_ids"]
