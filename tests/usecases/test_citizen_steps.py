"""The citizen's side of an appeal's life: answering a question, judging the answer, and
answers nobody judged closing after the configured days — across intake, router and
executor-gateway in one process."""

from collections.abc import AsyncIterator, Mapping
from typing import Any
from uuid import UUID

import httpx
import pytest

from intake.app import CLOSE_UNCONFIRMED as CLOSING
from services.clock import FakeClock
from services.identity import Role
from services.testing import InProcessPlatform, ServiceDatabases
from tests.usecases.test_appeal_lifecycle import (
    CITIZEN,
    FALLEN_TREE,
    POTHOLE,
    act,
    citizen_sees,
    submit,
)

EXECUTOR = "parks-dept"
"""Who the demo city's rules route a fallen tree to."""
DAY_S = 24 * 3600


@pytest.fixture
async def platform(databases: ServiceDatabases) -> AsyncIterator[InProcessPlatform]:
    """Every service; intake's sweep of unjudged answers runs only when a test runs it
    (after the one at start), so moving the clock past the verdict days closes nothing
    behind a test's back."""
    settings = {"router": {"max_redirects": 1}, "intake": {"verdict_sweep_every_s": 90 * DAY_S}}
    async with InProcessPlatform(databases, settings=settings) as running:
        yield running


async def routed_appeal(platform: InProcessPlatform) -> str:
    appeal_id = await submit(platform, FALLEN_TREE)
    seen = await citizen_sees(platform, appeal_id)
    assert seen["executor"]["id"] == EXECUTOR  # type: ignore[index]
    return appeal_id


async def executor_does(
    platform: InProcessPlatform, appeal_id: str, action: str, body: Mapping[str, object]
) -> None:
    done = await act(platform, EXECUTOR, appeal_id, action, body)
    assert done.status_code == 200, done.text
    await platform.settled()


async def citizen_posts(
    platform: InProcessPlatform,
    appeal_id: str,
    step: str,
    body: Mapping[str, object],
    subject: str = CITIZEN,
) -> httpx.Response:
    """The citizen `subject` takes a step on the appeal ("clarification" or "verdict")."""
    answer = await platform.client("intake").post(
        f"/appeals/{appeal_id}/{step}",
        json=body,
        headers=platform.auth(Role.CITIZEN, subject=subject),
    )
    await platform.settled()
    return answer


async def assignment(platform: InProcessPlatform, appeal_id: str) -> dict[str, Any]:
    seen = await platform.client("executor-gateway").get(
        f"/executors/{EXECUTOR}/assignments/{appeal_id}",
        headers=platform.auth(Role.EXECUTOR_DISPATCHER, organisation=EXECUTOR),
    )
    assert seen.status_code == 200, seen.text
    found: dict[str, Any] = seen.json()
    return found


async def test_the_citizen_answers_a_question_and_the_appeal_resumes_where_it_was(
    platform: InProcessPlatform,
) -> None:
    appeal_id = await routed_appeal(platform)
    await executor_does(platform, appeal_id, "accept", {})
    await executor_does(platform, appeal_id, "ask", {"question": "Какой подъезд?"})
    waiting = await citizen_sees(platform, appeal_id)
    assert (waiting["status"], waiting["question"]) == ("needs_clarification", "Какой подъезд?")
    assert waiting["resumes_as"] == "accepted"

    stranger = await citizen_posts(
        platform, appeal_id, "clarification", {"answer": "Второй"}, subject="neighbour"
    )
    assert stranger.status_code == 403, stranger.text
    blank = await citizen_posts(platform, appeal_id, "clarification", {"answer": "  "})
    assert blank.status_code == 422, blank.text

    answered = await citizen_posts(platform, appeal_id, "clarification", {"answer": "Второй"})
    assert answered.status_code == 200, answered.text
    seen = answered.json()
    assert (seen["status"], seen["question"], seen["resumes_as"]) == ("accepted", None, None)
    asked_step, answer_step = seen["history"][-2:]
    assert (asked_step["event"], asked_step["actor"]) == ("ClarificationRequested", "executor")
    assert asked_step["note"] == "Какой подъезд?"
    assert asked_step["by"], "the private view says which staff member asked"
    assert (answer_step["by"], answer_step["note"]) == ("you", "Второй")

    again = await citizen_posts(platform, appeal_id, "clarification", {"answer": "Второй"})
    assert again.status_code == 409, again.text
    assert "ClarificationProvided is not allowed when the appeal is accepted" in again.text
    assert platform.published_types("appeal.events").count("ClarificationProvided") == 1
    assert platform.dead_letters == [], "intake's own event came back as a no-op"
    history = (await citizen_sees(platform, appeal_id))["history"]
    assert [s["event"] for s in history].count("ClarificationProvided") == 1  # type: ignore[attr-defined]
    assert (await assignment(platform, appeal_id))["status"] == "accepted"


async def test_the_citizen_reopens_an_answer_then_confirms_the_next_with_a_rating(
    platform: InProcessPlatform,
) -> None:
    appeal_id = await routed_appeal(platform)
    await executor_does(platform, appeal_id, "resolve", {"answer": "Убрали"})
    assert (await citizen_sees(platform, appeal_id))["verdict_until"]

    disputed = await citizen_posts(
        platform, appeal_id, "verdict", {"verdict": "reopen", "reason": "Дерево лежит", "rating": 1}
    )
    assert disputed.status_code == 200, disputed.text
    assert (disputed.json()["status"], disputed.json()["answer"]) == ("reopened", None)
    (reopened,) = [p.event for p in platform.published if p.event.type == "AppealReopened"]
    assert reopened.payload.executor_id == EXECUTOR  # type: ignore[attr-defined]
    assert (await assignment(platform, appeal_id))["status"] == "reopened"

    await executor_does(platform, appeal_id, "resolve", {"answer": "Теперь убрали"})
    confirmed = await citizen_posts(
        platform, appeal_id, "verdict", {"verdict": "confirm", "rating": 5, "comment": "Спасибо"}
    )
    assert confirmed.status_code == 200, confirmed.text
    seen = confirmed.json()
    assert (seen["status"], seen["rating"], seen["answer"]) == ("closed", 5, "Теперь убрали")
    assert seen["history"][-1]["note"] == "Спасибо"
    assert (await assignment(platform, appeal_id))["status"] == "closed"

    twice = await citizen_posts(platform, appeal_id, "verdict", {"verdict": "confirm", "rating": 4})
    assert twice.status_code == 409, twice.text
    public = (await platform.client("intake").get(f"/appeals/{appeal_id}")).json()
    assert (public["view"], public["rating"], public["text"]) == ("public", 5, "Упало дерево")
    assert all(s["note"] is None and s["by"] is None for s in public["history"])
    assert platform.dead_letters == []


async def test_a_verdict_needs_an_answer_the_days_and_a_valid_body(
    platform: InProcessPlatform,
) -> None:
    appeal_id = await routed_appeal(platform)
    early = await citizen_posts(platform, appeal_id, "verdict", {"verdict": "confirm", "rating": 5})
    assert early.status_code == 409
    assert "no answer to judge" in early.json()["detail"]
    await executor_does(platform, appeal_id, "clarify", {"answer": "Уберём в мае"})
    for bad in (
        {"verdict": "confirm", "rating": 6},
        {"verdict": "reopen", "rating": 3},
        {"verdict": "maybe", "rating": 3},
    ):
        refused = await citizen_posts(platform, appeal_id, "verdict", bad)
        assert refused.status_code == 422, (bad, refused.text)
    stranger = await citizen_posts(
        platform, appeal_id, "verdict", {"verdict": "confirm", "rating": 5}, subject="neighbour"
    )
    assert stranger.status_code == 403

    clock = platform.clock
    assert isinstance(clock, FakeClock)
    await clock.advance(7 * DAY_S + 60)  # INTAKE_VERDICT_DAYS is 7 by default
    late = await citizen_posts(
        platform, appeal_id, "verdict", {"verdict": "reopen", "reason": "Нет"}
    )
    assert late.status_code == 409
    assert "the time to judge the answer ended" in late.json()["detail"]
    assert (await citizen_sees(platform, appeal_id))["status"] == "clarified"


async def test_answers_nobody_judged_close_after_the_days(platform: InProcessPlatform) -> None:
    clock = platform.clock
    assert isinstance(clock, FakeClock)
    old = await routed_appeal(platform)
    await executor_does(platform, old, "resolve", {"answer": "Убрали"})
    await clock.advance(5 * DAY_S)
    recent = await submit(platform, POTHOLE)
    roads = (await citizen_sees(platform, recent))["executor"]["id"]  # type: ignore[index]
    explained = await act(platform, roads, recent, "clarify", {"answer": "Заделаем в мае"})
    assert explained.status_code == 200, explained.text
    await platform.settled()
    await clock.advance(2 * DAY_S + 60)

    (job,) = [j for j in platform.service("intake").runtime.jobs.jobs if j.name == CLOSING]
    for _ in range(2):  # closing is idempotent: the second run finds nothing to close
        await job.run()
        await platform.settled()

    closed = await citizen_sees(platform, old)
    assert closed["status"] == "closed"
    assert closed["history"][-1]["actor"] == "platform"  # type: ignore[index]
    assert (await citizen_sees(platform, recent))["status"] == "clarified"
    (event,) = [p.event for p in platform.published if p.event.type == "AppealClosed"]
    assert (event.appeal_id, event.payload.reason) == (UUID(old), "no_verdict")  # type: ignore[attr-defined]
    assert (await assignment(platform, old))["status"] == "closed"
    assert platform.dead_letters == []
