"""An appeal's life across intake, router and executor-gateway, in one process."""

import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from uuid import UUID

from router.store import repository
from services.clock import FakeClock
from services.testing import InProcessPlatform

POTHOLE = {"category": "pothole", "location": {"lat": 62.0255, "lon": 129.69}, "text": "Яма"}
FALLEN_TREE = {
    "category": "fallen_tree",
    "location": {"lat": 62.0350, "lon": 129.7060},
    "text": "Упало дерево",
}


async def test_a_resolved_appeal_closes_the_routers_case(platform: InProcessPlatform) -> None:
    started = time.perf_counter()
    intake = platform.client("intake")
    created = await intake.post("/appeals", json=POTHOLE)
    assert created.status_code == 201, created.text
    appeal_id = created.json()["id"]
    await platform.settled()
    seen = (await intake.get(f"/appeals/{appeal_id}")).json()
    assert seen["status"] == "routed", seen
    executor = seen["executor"]["id"]
    gateway = platform.client("executor-gateway")
    answer = {"answer": "Заделали"}
    resolved = await gateway.post(
        f"/executors/{executor}/assignments/{appeal_id}/resolve", json=answer
    )
    assert resolved.status_code == 200, resolved.text
    await platform.settled()
    assert (await intake.get(f"/appeals/{appeal_id}")).json()["status"] == "resolved"
    async with platform.service("router").runtime.db.session() as session:
        case = await repository.get_appeal(session, UUID(appeal_id))
    assert case is not None
    assert case.state == "closed"
    print(f"use case took {time.perf_counter() - started:.3f} s")


async def submit(platform: InProcessPlatform, appeal: Mapping[str, object]) -> str:
    created = await platform.client("intake").post("/appeals", json=appeal)
    assert created.status_code == 201, created.text
    await platform.settled()
    appeal_id: str = created.json()["id"]
    return appeal_id


async def citizen_sees(platform: InProcessPlatform, appeal_id: str) -> dict[str, object]:
    seen: dict[str, object] = (await platform.client("intake").get(f"/appeals/{appeal_id}")).json()
    return seen


async def test_a_second_report_nearby_follows_the_first(platform: InProcessPlatform) -> None:
    first = await submit(platform, POTHOLE)
    second = await submit(platform, {**POTHOLE, "text": "Та же яма"})
    seen = await citizen_sees(platform, second)
    assert seen["status"] == "duplicate"
    assert seen["duplicate_of"]["id"] == first  # type: ignore[index]
    assert platform.published_types("appeal.events").count("AppealDuplicate") == 1


async def test_redirected_past_the_limit_waits_for_an_operator(platform: InProcessPlatform) -> None:
    appeal_id = await submit(platform, FALLEN_TREE)
    gateway = platform.client("executor-gateway")
    for executor in ("parks-dept", "adm-centre"):  # max_redirects is 1 here
        assert (await citizen_sees(platform, appeal_id))["executor"]["id"] == executor  # type: ignore[index]
        url = f"/executors/{executor}/assignments/{appeal_id}/redirect"
        answer = await gateway.post(url, json={"reason": "не наше"})
        assert answer.status_code == 200, answer.text
        await platform.settled()
    assert (await citizen_sees(platform, appeal_id))["status"] == "manual_routing"
    queue = (await platform.client("router").get("/routing/manual")).json()
    assert [q["appeal_id"] for q in queue] == [appeal_id]
    assert queue[0]["excluded_executor_ids"] == ["parks-dept", "adm-centre"]


async def test_the_use_cases_publish_everything_the_services_declare(
    platform: InProcessPlatform,
) -> None:
    """Together with the refusal of undeclared publications at staging time, this keeps
    each service's declared publications equal to its real ones."""
    appeal_id = await submit(platform, FALLEN_TREE)
    await submit(platform, {**FALLEN_TREE, "text": "То же дерево"})
    gateway = platform.client("executor-gateway")
    base = f"/executors/parks-dept/assignments/{appeal_id}"
    assert (await gateway.post(f"{base}/accept", json={})).status_code == 200
    assert (await gateway.post(f"{base}/redirect", json={"reason": "не наше"})).status_code == 200
    await platform.settled()
    base = f"/executors/adm-centre/assignments/{appeal_id}"
    assert (await gateway.post(f"{base}/redirect", json={"reason": "и не наше"})).status_code == 200
    await platform.settled()
    executor = "parks-dept"
    base = f"/executors/{executor}/assignments/{appeal_id}"
    operator = {"executor_id": executor, "operator": "dispatcher"}
    routed = await platform.client("router").post(f"/routing/manual/{appeal_id}", json=operator)
    assert routed.status_code == 200, routed.text
    await platform.settled()
    resolved = await gateway.post(f"{base}/resolve", json={"answer": "Заделали"})
    assert resolved.status_code == 200, resolved.text
    await platform.settled()

    seen = {(p.event.producer, p.event.type) for p in platform.published}
    for running in platform.running.values():
        declared = {
            (running.declaration.name, event.__name__)
            for publication in running.declaration.publishes
            for event in publication.events
        }
        by_operators_tools = {(running.declaration.name, "TerritoriesChanged")}
        assert declared - by_operators_tools <= seen, (
            f"declared but never published: {declared - seen}"
        )


async def test_the_services_tell_time_by_the_injected_clock(platform: InProcessPlatform) -> None:
    clock = platform.clock
    assert isinstance(clock, FakeClock)
    submitted_at = clock.now()
    appeal_id = await submit(platform, FALLEN_TREE)
    await clock.advance(3600)
    accept = f"/executors/parks-dept/assignments/{appeal_id}/accept"
    assert (await platform.client("executor-gateway").post(accept, json={})).status_code == 200
    await platform.settled()
    seen = await citizen_sees(platform, appeal_id)
    assert datetime.fromisoformat(str(seen["submitted_at"])) == submitted_at
    accepted = [s for s in seen["history"] if s["status"] == "accepted"]  # type: ignore[attr-defined]
    assert [datetime.fromisoformat(s["at"]) for s in accepted] == [
        submitted_at + timedelta(hours=1)
    ]
