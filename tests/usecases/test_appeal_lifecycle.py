"""An appeal's life across intake, router and executor-gateway, in one process."""

import asyncio
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from uuid import UUID

import httpx

from contracts.topics import APPEAL_EVENTS
from router.store import repository
from services.clock import FakeClock
from services.identity import Principal, Role
from services.testing import InProcessPlatform

POTHOLE = {"category": "pothole", "location": {"lat": 62.0255, "lon": 129.69}, "text": "Яма"}
FALLEN_TREE = {
    "category": "fallen_tree",
    "location": {"lat": 62.0350, "lon": 129.7060},
    "text": "Упало дерево",
}


async def test_a_resolved_appeal_closes_the_routers_case(platform: InProcessPlatform) -> None:
    started = time.perf_counter()
    appeal_id = await submit(platform, POTHOLE)
    seen = await citizen_sees(platform, appeal_id)
    assert seen["status"] == "routed", seen
    executor = seen["executor"]["id"]  # type: ignore[index]
    resolved = await act(platform, executor, appeal_id, "resolve", {"answer": "Заделали"})
    assert resolved.status_code == 200, resolved.text
    await platform.settled()
    assert (await citizen_sees(platform, appeal_id))["status"] == "resolved"
    async with platform.service("router").runtime.db.session() as session:
        case = await repository.get_appeal(session, UUID(appeal_id))
    assert case is not None
    assert case.state == "closed"
    print(f"use case took {time.perf_counter() - started:.3f} s")


CITIZEN = "citizen-1"


async def submit(platform: InProcessPlatform, appeal: Mapping[str, object]) -> str:
    headers = platform.auth(Role.CITIZEN, subject=CITIZEN)
    created = await platform.client("intake").post("/appeals", json=appeal, headers=headers)
    assert created.status_code == 201, created.text
    await platform.settled()
    appeal_id: str = created.json()["id"]
    return appeal_id


async def citizen_sees(platform: InProcessPlatform, appeal_id: str) -> dict[str, object]:
    """The appeal as the citizen who filed it sees it (the private view)."""
    headers = platform.auth(Role.CITIZEN, subject=CITIZEN)
    answer = await platform.client("intake").get(f"/appeals/{appeal_id}", headers=headers)
    seen: dict[str, object] = answer.json()
    assert seen["view"] == "private", seen
    return seen


async def act(
    platform: InProcessPlatform,
    executor: str,
    appeal_id: str,
    action: str,
    body: Mapping[str, object],
) -> httpx.Response:
    """An executor's dispatcher accepts, resolves or redirects an assignment."""
    return await platform.client("executor-gateway").post(
        f"/executors/{executor}/assignments/{appeal_id}/{action}",
        json=body,
        headers=platform.auth(Role.EXECUTOR_DISPATCHER, organisation=executor),
    )


async def test_a_second_report_nearby_follows_the_first(platform: InProcessPlatform) -> None:
    first = await submit(platform, POTHOLE)
    second = await submit(platform, {**POTHOLE, "text": "Та же яма"})
    seen = await citizen_sees(platform, second)
    assert seen["status"] == "duplicate"
    assert seen["duplicate_of"]["id"] == first  # type: ignore[index]
    assert platform.published_types("appeal.events").count("AppealDuplicate") == 1


async def test_redirected_past_the_limit_waits_for_an_operator(platform: InProcessPlatform) -> None:
    appeal_id = await submit(platform, FALLEN_TREE)
    for executor in ("parks-dept", "adm-centre"):  # max_redirects is 1 here
        assert (await citizen_sees(platform, appeal_id))["executor"]["id"] == executor  # type: ignore[index]
        answer = await act(platform, executor, appeal_id, "redirect", {"reason": "не наше"})
        assert answer.status_code == 200, answer.text
        await platform.settled()
    assert (await citizen_sees(platform, appeal_id))["status"] == "manual_routing"
    operator = platform.auth(Role.OPERATOR)
    queue = (await platform.client("router").get("/routing/manual", headers=operator)).json()
    assert [q["appeal_id"] for q in queue] == [appeal_id]
    assert queue[0]["excluded_executor_ids"] == ["parks-dept", "adm-centre"]


async def test_the_use_cases_publish_everything_the_services_declare(
    platform: InProcessPlatform,
) -> None:
    """Together with the refusal of undeclared publications at staging time, this keeps
    each service's declared publications equal to its real ones."""
    appeal_id = await submit(platform, FALLEN_TREE)
    await submit(platform, {**FALLEN_TREE, "text": "То же дерево"})
    assert (await act(platform, "parks-dept", appeal_id, "accept", {})).status_code == 200
    redirected = await act(platform, "parks-dept", appeal_id, "redirect", {"reason": "не наше"})
    assert redirected.status_code == 200
    await platform.settled()
    again = await act(platform, "adm-centre", appeal_id, "redirect", {"reason": "и не наше"})
    assert again.status_code == 200
    await platform.settled()
    executor = "parks-dept"
    routed = await platform.client("router").post(
        f"/routing/manual/{appeal_id}",
        json={"executor_id": executor},
        headers=platform.auth(Role.OPERATOR, subject="operator-7"),
    )
    assert routed.status_code == 200, routed.text
    await platform.settled()
    resolved = await act(platform, executor, appeal_id, "resolve", {"answer": "Заделали"})
    assert resolved.status_code == 200, resolved.text
    commented = await platform.client("comments").post(
        f"/appeals/{appeal_id}/comments",
        json={"text": "Фото работ в ответе"},
        headers=platform.auth(Role.EXECUTOR_DISPATCHER, organisation=executor),
    )
    assert commented.status_code == 201, commented.text
    await platform.settled()
    await every_later_step(platform, appeal_id, executor)
    await every_moderation_step(platform)
    await every_kind_step(platform)
    await every_sla_step(platform)
    granted = await platform.client("staff-directory").put(
        "/staff",
        json={"issuer": platform.issuer.issuer, "subject": "anna", "roles": ["operator"]},
        headers=platform.auth(Role.ADMIN),
    )
    assert granted.status_code == 200, granted.text
    await platform.settled()
    assert platform.dead_letters == []

    seen = {(p.event.producer, p.event.type) for p in platform.published}
    for running in platform.running.values():
        declared = {
            (running.declaration.name, event.__name__)
            for publication in running.declaration.publishes
            for event in publication.events
        }
        by_operators_tools = {
            (running.declaration.name, kind) for kind in ("RuleSetPublished", "TerritoriesChanged")
        }
        assert declared - by_operators_tools <= seen, (
            f"declared but never published: {declared - seen}"
        )


async def every_sla_step(platform: InProcessPlatform) -> None:
    """An appeal nobody answers: warned, breached and escalated as time passes."""
    clock = platform.clock
    assert isinstance(clock, FakeClock)
    await submit(platform, {**FALLEN_TREE, "location": {"lat": 62.045, "lon": 129.76}})
    await clock.advance(90 * 24 * 3600)
    deadline = asyncio.get_running_loop().time() + 10
    while not {"SlaBreached", "Escalated"} <= set(platform.published_types(APPEAL_EVENTS)):
        assert asyncio.get_running_loop().time() < deadline, "no breach nor escalation fired"
        await asyncio.sleep(0.02)
    await platform.settled()


async def every_moderation_step(platform: InProcessPlatform) -> None:
    """Intake holds two rude appeals; a moderator approves one, edits its public text
    later and asks its citizen a question, and rejects the other."""
    moderator = platform.auth(Role.MODERATOR)
    intake = platform.client("intake")
    kept, refused = [await submit(platform, {**FALLEN_TREE, "text": "Идиоты!"}) for _ in "12"]
    steps = [
        ("POST", f"/moderation/{kept}/approve", {}),
        ("PUT", f"/moderation/{kept}/public-text", {"public_text": "Упало дерево"}),
        ("POST", f"/moderation/{kept}/question", {"question": "Где именно?"}),
        ("POST", f"/moderation/{refused}/reject", {"reason_code": "abusive", "reason": "Брань"}),
    ]
    for method, path, body in steps:
        done = await intake.request(method, path, json=body, headers=moderator)
        assert done.status_code == 200, done.text
        await platform.settled()


async def every_kind_step(platform: InProcessPlatform) -> None:
    """A suggestion is forwarded to the organisation the rules name, which acknowledges it."""
    suggestion = await submit(platform, {**POTHOLE, "kind": "suggestion", "text": "Нужен знак"})
    seen = await citizen_sees(platform, suggestion)
    assert (seen["status"], seen["kind"]) == ("forwarded", "suggestion"), seen
    holder = seen["executor"]["id"]  # type: ignore[index]
    read = await act(platform, holder, suggestion, "acknowledge", {"comment": "Учтём"})
    assert read.status_code == 200, read.text
    await platform.settled()
    assert (await citizen_sees(platform, suggestion))["status"] == "closed"


async def every_later_step(platform: InProcessPlatform, appeal_id: str, executor: str) -> None:
    """After a first answer: the citizen reopens, the executor asks and is answered,
    explains, an operator returns the explanation, the executor rejects, the citizen
    confirms; then one appeal closes for an unanswered question, one for no verdict."""
    clock = platform.clock
    assert isinstance(clock, FakeClock)

    async def ok(response: httpx.Response) -> None:
        assert response.status_code == 200, response.text
        await platform.settled()

    async def citizen(step: str, body: Mapping[str, object]) -> None:
        headers = platform.auth(Role.CITIZEN, subject=CITIZEN)
        intake = platform.client("intake")
        await ok(await intake.post(f"/appeals/{appeal_id}/{step}", json=body, headers=headers))

    await citizen("verdict", {"verdict": "reopen", "reason": "Яма на месте", "rating": 2})
    await ok(await act(platform, executor, appeal_id, "ask", {"question": "Какой подъезд?"}))
    await citizen("clarification", {"answer": "Второй"})
    await ok(await act(platform, executor, appeal_id, "clarify", {"answer": "Весной"}))
    operator = platform.auth(Role.OPERATOR, subject="operator-7")
    returned = await platform.client("executor-gateway").post(
        f"/executors/{executor}/assignments/{appeal_id}/answer-rejection",
        json={"reason": "Отписка"},
        headers=operator,
    )
    await ok(returned)
    rejection = {"reason_code": "already_fixed", "reason": "Уже заделали"}
    await ok(await act(platform, executor, appeal_id, "reject", rejection))
    await citizen("verdict", {"verdict": "confirm", "rating": 4})

    unanswered = await submit(platform, POTHOLE)
    roads = (await citizen_sees(platform, unanswered))["executor"]["id"]  # type: ignore[index]
    await ok(await act(platform, roads, unanswered, "ask", {"question": "Где именно?"}))
    await clock.advance(11 * 24 * 3600)  # past GATEWAY_CLARIFICATION_WAIT_DAYS (10)
    await ok(await act(platform, roads, unanswered, "close", {}))

    unjudged = await submit(platform, {**POTHOLE, "location": {"lat": 62.03, "lon": 129.72}})
    holder = (await citizen_sees(platform, unjudged))["executor"]["id"]  # type: ignore[index]
    await ok(await act(platform, holder, unjudged, "resolve", {"answer": "Готово"}))
    await clock.advance(8 * 24 * 3600)  # past INTAKE_VERDICT_DAYS (7): the sweep closes it
    await platform.settled()
    for _ in range(24):  # the sweep runs on the fake clock: give it its next turn if needed
        if (await citizen_sees(platform, unjudged))["status"] == "closed":
            break
        await clock.advance(3600)
        await platform.settled()
    assert (await citizen_sees(platform, unjudged))["status"] == "closed"


async def test_the_services_tell_time_by_the_injected_clock(platform: InProcessPlatform) -> None:
    clock = platform.clock
    assert isinstance(clock, FakeClock)
    submitted_at = clock.now()
    appeal_id = await submit(platform, FALLEN_TREE)
    await clock.advance(3600)
    assert (await act(platform, "parks-dept", appeal_id, "accept", {})).status_code == 200
    await platform.settled()
    seen = await citizen_sees(platform, appeal_id)
    assert datetime.fromisoformat(str(seen["submitted_at"])) == submitted_at
    accepted = [s for s in seen["history"] if s["status"] == "accepted"]  # type: ignore[attr-defined]
    assert [datetime.fromisoformat(s["at"]) for s in accepted] == [
        submitted_at + timedelta(hours=1)
    ]


async def test_an_appeal_records_who_filed_it_and_shows_strangers_no_personal_data(
    platform: InProcessPlatform,
) -> None:
    appeal_id = await submit(platform, {**FALLEN_TREE, "address": "ул. Ленина, 1"})
    (submitted,) = [p.event for p in platform.published if p.event.type == "AppealSubmitted"]
    filer = Principal(CITIZEN, platform.issuer.issuer, frozenset({Role.CITIZEN}))
    assert submitted.payload.citizen_id == filer.pseudonym  # type: ignore[attr-defined]
    intake = platform.client("intake")
    for headers in ({}, platform.auth(Role.CITIZEN, subject="neighbour")):
        seen = (await intake.get(f"/appeals/{appeal_id}", headers=headers)).json()
        assert seen["view"] == "public"
        assert seen["text"] == FALLEN_TREE["text"], "the public text: nothing to mask"
        assert seen["address"] is None
        assert seen["status"] == "routed"
    staff = (
        await intake.get(f"/appeals/{appeal_id}", headers=platform.auth(Role.MODERATOR))
    ).json()
    assert staff["text"] == FALLEN_TREE["text"]
    assert staff["address"] == "ул. Ленина, 1"


async def test_a_field_intake_does_not_know_is_refused_by_name(platform: InProcessPlatform) -> None:
    headers = platform.auth(Role.CITIZEN, subject=CITIZEN)
    body = {**POTHOLE, "submitted_at": "2020-01-01T00:00:00Z"}
    refused = await platform.client("intake").post("/appeals", json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    assert [e["loc"] for e in refused.json()["detail"]] == [["body", "submitted_at"]]
    assert platform.published_types() == []
