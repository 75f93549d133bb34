"""Moderation in intake across the services in one process: personal data masked in the
public text, flagged appeals held for a moderator (routed only once approved, never when
rejected), the public text edited later, and the per-citizen filing limits."""

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import pytest

from services.clock import FakeClock
from services.identity import Role
from services.testing import InProcessPlatform, ServiceDatabases
from tests.usecases.test_appeal_lifecycle import CITIZEN, FALLEN_TREE, citizen_sees, submit

EXECUTOR = "parks-dept"
"""Who the demo city's rules route a fallen tree to."""
MODERATOR = "moderator-1"
WRITTEN = "Упало дерево, звоните 8 (914) 123-45-67, спросите Иванова И.И."
MASKED = "Упало дерево, звоните [телефон], спросите [имя]"
RUDE = "Упало дерево, эти идиоты из УК не убирают"


async def moderator(
    platform: InProcessPlatform,
    method: str,
    path: str,
    body: Mapping[str, object] | None = None,
) -> httpx.Response:
    answer = await platform.client("intake").request(
        method, path, json=body, headers=platform.auth(Role.MODERATOR, subject=MODERATOR)
    )
    await platform.settled()
    return answer


async def public_view(platform: InProcessPlatform, appeal_id: str) -> dict[str, Any]:
    seen: dict[str, Any] = (await platform.client("intake").get(f"/appeals/{appeal_id}")).json()
    assert seen["view"] == "public"
    return seen


async def assignment_text(platform: InProcessPlatform, appeal_id: str) -> str:
    seen = await platform.client("executor-gateway").get(
        f"/executors/{EXECUTOR}/assignments/{appeal_id}",
        headers=platform.auth(Role.EXECUTOR_DISPATCHER, organisation=EXECUTOR),
    )
    assert seen.status_code == 200, seen.text
    text: str = seen.json()["text"]
    return text


def events_of(platform: InProcessPlatform, appeal_id: str, kind: str) -> list[Any]:
    return [
        p.event
        for p in platform.published
        if p.event.type == kind and str(getattr(p.event, "appeal_id", "")) == appeal_id
    ]


async def test_a_clean_appeal_is_routed_with_its_personal_data_masked_for_the_public(
    platform: InProcessPlatform,
) -> None:
    appeal_id = await submit(platform, {**FALLEN_TREE, "text": WRITTEN})
    (submitted,) = events_of(platform, appeal_id, "AppealSubmitted")
    assert (submitted.payload.text, submitted.payload.held_for_moderation) == (WRITTEN, False)
    assert events_of(platform, appeal_id, "AppealHeld") == []
    mine = await citizen_sees(platform, appeal_id)
    assert (mine["status"], mine["text"], mine["public_text"]) == ("routed", WRITTEN, MASKED)
    public = await public_view(platform, appeal_id)
    assert (public["text"], public["public_text"]) == (MASKED, MASKED)
    assert await assignment_text(platform, appeal_id) == WRITTEN, "the executor reads it all"
    queue = await moderator(platform, "GET", "/moderation/queue")
    assert queue.status_code == 200, queue.text
    assert queue.json() == []


async def test_a_flagged_appeal_waits_for_a_moderator_and_is_routed_once_approved(
    platform: InProcessPlatform,
) -> None:
    created = await platform.client("intake").post(
        "/appeals",
        json={**FALLEN_TREE, "text": RUDE},
        headers=platform.auth(Role.CITIZEN, subject=CITIZEN),
    )
    assert (created.status_code, created.json()["status"]) == (201, "moderation")
    await platform.settled()
    appeal_id = created.json()["id"]
    (submitted,) = events_of(platform, appeal_id, "AppealSubmitted")
    assert submitted.payload.held_for_moderation
    (held,) = events_of(platform, appeal_id, "AppealHeld")
    assert held.payload.reasons == ["obscene language: «идиоты»"]
    assert events_of(platform, appeal_id, "AppealRouted") == [], "not routed while held"
    mine = await citizen_sees(platform, appeal_id)
    assert (mine["status"], mine["text"]) == ("moderation", RUDE), "the citizen reads it all"
    assert [s["event"] for s in mine["history"]] == ["AppealSubmitted", "AppealHeld"]  # type: ignore[attr-defined]
    public = await public_view(platform, appeal_id)
    assert (public["status"], public["text"], public["public_text"]) == ("moderation", None, None)

    queue = (await moderator(platform, "GET", "/moderation/queue")).json()
    assert [(q["id"], q["text"], q["reasons"]) for q in queue] == [
        (appeal_id, RUDE, ["obscene language: «идиоты»"])
    ]
    edit_while_held = await moderator(
        platform, "PUT", f"/moderation/{appeal_id}/public-text", {"public_text": "Упало дерево"}
    )
    assert edit_while_held.status_code == 409, edit_while_held.text

    polite = "Упало дерево, управляющая компания не убирает"
    approved = await moderator(
        platform, "POST", f"/moderation/{appeal_id}/approve", {"public_text": polite}
    )
    assert approved.status_code == 200, approved.text
    (approval,) = events_of(platform, appeal_id, "AppealApproved")
    assert approval.payload.public_text_edited
    assert approval.payload.by == MODERATOR
    mine = await citizen_sees(platform, appeal_id)
    assert mine["status"] == "routed", "the router decides it once approved"
    assert [s["event"] for s in mine["history"]] == [  # type: ignore[attr-defined]
        "AppealSubmitted",
        "AppealHeld",
        "AppealApproved",
        "AppealRouted",
    ]
    assert (await public_view(platform, appeal_id))["text"] == polite
    assert await assignment_text(platform, appeal_id) == RUDE, "the executor reads it all"
    assert (await moderator(platform, "GET", "/moderation/queue")).json() == []
    again = await moderator(platform, "POST", f"/moderation/{appeal_id}/approve", {})
    assert again.status_code == 409
    assert "AppealApproved is not allowed when the appeal is routed" in again.text

    edited = await moderator(
        platform, "PUT", f"/moderation/{appeal_id}/public-text", {"public_text": "Упало дерево"}
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["status"], edited.json()["public_text"]) == ("routed", "Упало дерево")
    assert [e.payload.by for e in events_of(platform, appeal_id, "PublicTextEdited")] == [MODERATOR]
    assert (await public_view(platform, appeal_id))["text"] == "Упало дерево"
    assert platform.dead_letters == [], "intake's own events came back as no-ops"


async def test_a_rejected_appeal_is_never_routed_nor_read_by_the_public(
    platform: InProcessPlatform,
) -> None:
    created = await platform.client("intake").post(
        "/appeals",
        json={**FALLEN_TREE, "text": "Лучшее казино города"},
        headers=platform.auth(Role.CITIZEN, subject=CITIZEN),
    )
    appeal_id = created.json()["id"]
    await platform.settled()
    reasons = (await moderator(platform, "GET", "/moderation/reasons")).json()
    assert "spam" in [r["code"] for r in reasons]
    unknown = await moderator(
        platform,
        "POST",
        f"/moderation/{appeal_id}/reject",
        {"reason_code": "boring", "reason": "x"},
    )
    assert unknown.status_code == 422, unknown.text
    assert "spam" in unknown.text, "the city's codes are listed"

    rejected = await moderator(
        platform,
        "POST",
        f"/moderation/{appeal_id}/reject",
        {"reason_code": "spam", "reason": "Реклама"},
    )
    assert rejected.status_code == 200, rejected.text
    (rejection,) = events_of(platform, appeal_id, "AppealRejected")
    assert (rejection.payload.executor_id, rejection.payload.by) == (None, MODERATOR)
    assert (rejection.payload.reason_code, rejection.payload.reason) == ("spam", "Реклама")
    assert events_of(platform, appeal_id, "AppealRouted") == []
    public = await public_view(platform, appeal_id)
    assert (public["status"], public["text"], public["rejection_code"]) == (
        "rejected",
        None,
        "spam",
    )
    for method, path, body in (
        ("POST", "approve", {}),
        ("POST", "reject", {"reason_code": "spam", "reason": "Реклама"}),
        ("PUT", "public-text", {"public_text": "Казино"}),
    ):
        refused = await moderator(platform, method, f"/moderation/{appeal_id}/{path}", body)
        assert refused.status_code == 409, (path, refused.text)
    verdict = await platform.client("intake").post(
        f"/appeals/{appeal_id}/verdict",
        json={"verdict": "confirm", "rating": 5},
        headers=platform.auth(Role.CITIZEN, subject=CITIZEN),
    )
    assert verdict.status_code == 409, "a moderator's refusal is no executor's answer to judge"
    assert platform.dead_letters == []


async def test_a_moderator_rejects_only_held_appeals(platform: InProcessPlatform) -> None:
    appeal_id = await submit(platform, FALLEN_TREE)
    refused = await moderator(
        platform, "POST", f"/moderation/{appeal_id}/reject", {"reason_code": "spam", "reason": "x"}
    )
    assert refused.status_code == 409
    assert "not held for moderation" in refused.json()["detail"]
    missing = await moderator(
        platform, "POST", "/moderation/0190c5d2-0000-7000-8000-000000000000/approve", {}
    )
    assert missing.status_code == 404


@pytest.fixture
async def limited(databases: ServiceDatabases) -> AsyncIterator[InProcessPlatform]:
    settings = {"intake": {"appeals_per_hour": 2, "appeals_per_day": 3}}
    async with InProcessPlatform(databases, settings=settings) as running:
        yield running


async def test_a_citizen_over_the_filing_limits_is_refused_with_retry_after(
    limited: InProcessPlatform,
) -> None:
    clock = limited.clock
    assert isinstance(clock, FakeClock)
    headers = limited.auth(Role.CITIZEN, subject=CITIZEN)

    async def file(text: str, key: str | None = None) -> httpx.Response:
        extra = {"Idempotency-Key": key} if key else {}
        return await limited.client("intake").post(
            "/appeals", json={**FALLEN_TREE, "text": text}, headers={**headers, **extra}
        )

    assert (await file("Первое", key="first")).status_code == 201
    assert (await file("Второе")).status_code == 201
    third = await file("Третье")
    assert third.status_code == 429, third.text
    assert third.headers["Retry-After"] == "3600"
    assert "at most 2 appeals an hour" in third.json()["detail"]
    assert (await file("Первое", key="first")).status_code == 200, "a retry is no new filing"
    other = limited.auth(Role.CITIZEN, subject="neighbour")
    neighbour = await limited.client("intake").post("/appeals", json=FALLEN_TREE, headers=other)
    assert neighbour.status_code == 201, "the limits are per citizen"

    await clock.advance(3601)
    assert (await file("Третье")).status_code == 201
    fourth = await file("Четвёртое")
    assert fourth.status_code == 429
    assert "at most 3 appeals a day" in fourth.json()["detail"]
    assert int(fourth.headers["Retry-After"]) == 24 * 3600 - 3601
    await limited.settled()
    assert limited.published_types("appeal.submitted").count("AppealSubmitted") == 4


async def test_filings_sent_at_once_are_counted_together_and_twins_file_once(
    limited: InProcessPlatform,
) -> None:
    """Concurrent POSTs are written in batches: the limits still count every one of
    them, a retried key still files once, a held one is still held, and one citizen's
    refusal is not their neighbour's."""
    headers = limited.auth(Role.CITIZEN, subject=CITIZEN)
    neighbour = limited.auth(Role.CITIZEN, subject="neighbour-at-once")
    intake = limited.client("intake")

    def post(text: str, who: dict[str, str], key: str | None = None) -> Any:
        extra = {"Idempotency-Key": key} if key else {}
        body = {**FALLEN_TREE, "text": text}
        return intake.post("/appeals", json=body, headers={**who, **extra})

    answers = await asyncio.gather(
        post("Раз", headers, key="twin"),
        post("Раз", headers, key="twin"),
        post("Два", headers),
        post("Три", headers),
        post("Четыре", headers),
        post(RUDE, neighbour),
        post("Соседское", neighbour),
    )
    mine, theirs = answers[:5], answers[5:]
    twins = [a.json()["id"] for a in mine[:2] if a.status_code in (200, 201)]
    assert len(set(twins)) <= 1, "a retried key files once"
    created = {a.json()["id"] for a in mine if a.status_code in (200, 201)}
    assert len(created) == 2, f"at most 2 an hour: {[a.status_code for a in mine]}"
    assert {a.status_code for a in mine} <= {200, 201, 429}, "filed, a retry's answer, or refused"
    assert [a.status_code for a in theirs] == [201, 201], "the limits are per citizen"
    assert theirs[0].json()["status"] == "moderation", "the rude one is held"
    await limited.settled()
    assert limited.published_types("appeal.submitted").count("AppealSubmitted") == 4


async def test_a_moderators_question_pauses_the_appeal_and_the_executors_work(
    platform: InProcessPlatform,
) -> None:
    appeal_id = await submit(platform, FALLEN_TREE)
    held = await moderator(platform, "POST", f"/moderation/{appeal_id}/question", {})
    assert held.status_code == 422, held.text  # a question needs words
    asked = await moderator(
        platform, "POST", f"/moderation/{appeal_id}/question", {"question": "Где именно?"}
    )
    assert asked.status_code == 200, asked.text
    seen = await citizen_sees(platform, appeal_id)
    assert (seen["status"], seen["question"]) == ("needs_clarification", "Где именно?")
    assert seen["history"][-1]["by"] == f"{MODERATOR}"  # type: ignore[index]
    work = await platform.client("executor-gateway").get(
        f"/executors/{EXECUTOR}/assignments/{appeal_id}",
        headers=platform.auth(Role.EXECUTOR_DISPATCHER, organisation=EXECUTOR),
    )
    assert (work.json()["status"], work.json()["question"]) == (
        "needs_clarification",
        "Где именно?",
    )

    again = await moderator(
        platform, "POST", f"/moderation/{appeal_id}/question", {"question": "И когда?"}
    )
    assert again.status_code == 409, again.text  # one question at a time
    answered = await platform.client("intake").post(
        f"/appeals/{appeal_id}/clarification",
        json={"answer": "У второго подъезда"},
        headers=platform.auth(Role.CITIZEN, subject=CITIZEN),
    )
    assert answered.status_code == 200, answered.text
    await platform.settled()
    assert (await citizen_sees(platform, appeal_id))["status"] == "routed"
    work = await platform.client("executor-gateway").get(
        f"/executors/{EXECUTOR}/assignments/{appeal_id}",
        headers=platform.auth(Role.EXECUTOR_DISPATCHER, organisation=EXECUTOR),
    )
    assert (work.json()["status"], work.json()["clarification"]) == ("routed", "У второго подъезда")
    assert platform.dead_letters == []
