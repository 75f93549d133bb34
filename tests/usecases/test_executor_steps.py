"""The executor's side of an appeal's life: accept with a planned date, ask the citizen,
answer in three ways, the operator's rejection of a non-answer, and the citizen's verdict
followed from `appeal.events` — every step in the assignment's history."""

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx

from contracts.envelope import Event, new_event_id
from contracts.events import (
    AppealClosed,
    AppealClosedPayload,
    AppealConfirmed,
    AppealConfirmedPayload,
    AppealReopened,
    AppealReopenedPayload,
    ClarificationProvided,
    ClarificationProvidedPayload,
    CloseReason,
)
from contracts.topics import APPEAL_EVENTS
from services.clock import FakeClock
from services.identity import Role
from services.testing import InProcessPlatform
from tests.usecases.test_appeal_lifecycle import FALLEN_TREE, submit

EXECUTOR = "parks-dept"
"""Where FALLEN_TREE is routed."""
DISPATCHER = "anna"
OPERATOR = "oleg"


async def step(
    platform: InProcessPlatform,
    appeal_id: str,
    action: str,
    body: Mapping[str, object] | None = None,
    *,
    role: Role = Role.EXECUTOR_DISPATCHER,
) -> httpx.Response:
    """A step on the assignment: by the executor's dispatcher, or by the city's `role`."""
    executor_staff = role is Role.EXECUTOR_DISPATCHER
    headers = platform.auth(
        role,
        organisation=EXECUTOR if executor_staff else None,
        subject=DISPATCHER if executor_staff else OPERATOR,
    )
    return await platform.client("executor-gateway").post(
        f"/executors/{EXECUTOR}/assignments/{appeal_id}/{action}", json=body, headers=headers
    )


async def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    seen: dict[str, Any] = response.json()
    return seen


async def assignment(platform: InProcessPlatform, appeal_id: str) -> dict[str, Any]:
    """The assignment as the executor's inbox shows it, with its history."""
    headers = platform.auth(Role.EXECUTOR_WORKER, organisation=EXECUTOR)
    got = await platform.client("executor-gateway").get(
        f"/executors/{EXECUTOR}/assignments/{appeal_id}", headers=headers
    )
    return await ok(got)


async def as_intake(platform: InProcessPlatform, event: Event) -> None:
    """Publish a citizen's step on `appeal.events` as intake does, and let it settle."""
    broker = platform.service("intake").runtime.broker
    await broker.publish(event.to_json(), APPEAL_EVENTS, key=event.key)
    await platform.settled()


def citizens(
    platform: InProcessPlatform, kind: Callable[..., Event], appeal_id: str, payload: object
) -> Event:
    """A citizen's step as intake would publish it, now by the platform's clock."""
    return kind(
        appeal_id=UUID(appeal_id),
        occurred_at=platform.clock.now(),
        producer="intake",
        correlation_id=UUID(appeal_id),
        payload=payload,
    )


def gateway_dead_letters(platform: InProcessPlatform) -> list[str]:
    return [d.reason for d in platform.dead_letters if "executor-gateway" in d.topic]


def published(platform: InProcessPlatform, event_type: str) -> list[Event]:
    return [p.event for p in platform.published if p.event.type == event_type]


async def test_a_question_pauses_the_assignment_and_the_answer_resumes_it(
    platform: InProcessPlatform,
) -> None:
    appeal_id = await submit(platform, FALLEN_TREE)
    today = platform.clock.now().date()
    planned = today + timedelta(days=5)
    accepted = await ok(
        await step(platform, appeal_id, "accept", {"planned_date": str(planned), "comment": "Ок"})
    )
    assert (accepted["status"], accepted["planned_date"]) == ("accepted", str(planned))
    asked = await ok(await step(platform, appeal_id, "ask", {"question": "Какой подъезд?"}))
    assert asked["status"] == "needs_clarification"
    # While the question waits nothing can be answered.
    assert (await step(platform, appeal_id, "resolve", {"answer": "x"})).status_code == 409
    await platform.settled()

    await as_intake(
        platform,
        citizens(
            platform,
            ClarificationProvided,
            appeal_id,
            ClarificationProvidedPayload(answer="У третьего подъезда"),
        ),
    )
    resumed = await assignment(platform, appeal_id)
    assert resumed["status"] == "accepted"
    assert resumed["clarification"] == "У третьего подъезда"
    assert resumed["closable_at"] is None
    resolved = await ok(await step(platform, appeal_id, "resolve", {"answer": "Убрали дерево"}))
    assert resolved["status"] == "resolved"
    await platform.settled()

    history = (await assignment(platform, appeal_id))["history"]
    assert [(h["step"], h["status"], h["by"]) for h in history] == [
        ("issued", "routed", "router"),
        ("accepted", "accepted", DISPATCHER),
        ("clarification_requested", "needs_clarification", DISPATCHER),
        ("clarification_provided", "accepted", "citizen"),
        ("resolved", "resolved", DISPATCHER),
    ]
    assert [h["text"] for h in history[1:]] == [
        "Ок",
        "Какой подъезд?",
        "У третьего подъезда",
        "Убрали дерево",
    ]
    assert history[1]["planned_date"] == str(planned)
    assert [datetime.fromisoformat(h["at"]) for h in history[1:]] == [platform.clock.now()] * 4
    (accept_event,) = published(platform, "AppealAccepted")
    assert accept_event.payload.planned_date == planned  # type: ignore[attr-defined]
    assert accept_event.payload.by == DISPATCHER  # type: ignore[attr-defined]
    (question,) = published(platform, "ClarificationRequested")
    assert question.payload.executor_id == EXECUTOR  # type: ignore[attr-defined]
    assert gateway_dead_letters(platform) == []


async def test_the_executor_may_close_an_unanswered_question_only_after_the_wait(
    platform: InProcessPlatform,
) -> None:
    clock = platform.clock
    assert isinstance(clock, FakeClock)
    appeal_id = await submit(platform, FALLEN_TREE)
    asked = await ok(await step(platform, appeal_id, "ask", {"question": "Где именно?"}))
    closable_at = datetime.fromisoformat(asked["closable_at"])
    assert closable_at == clock.now() + timedelta(days=10)  # GATEWAY_CLARIFICATION_WAIT_DAYS

    await clock.advance(timedelta(days=9).total_seconds())
    early = await step(platform, appeal_id, "close")
    assert early.status_code == 409, early.text
    assert closable_at.isoformat() in early.json()["detail"]

    await clock.advance(timedelta(days=1).total_seconds())
    closed = await ok(await step(platform, appeal_id, "close"))
    assert closed["status"] == "closed"
    await platform.settled()  # the gateway's own AppealClosed comes back to it: harmless
    (event,) = published(platform, "AppealClosed")
    assert event.producer == "executor-gateway"
    assert event.payload.reason == CloseReason.NO_CLARIFICATION  # type: ignore[attr-defined]
    seen = await assignment(platform, appeal_id)
    assert seen["status"] == "closed"
    assert [h["step"] for h in seen["history"]].count("closed") == 1
    assert gateway_dead_letters(platform) == []
    assert (await step(platform, appeal_id, "close")).status_code == 409


async def test_answers_of_three_kinds(platform: InProcessPlatform) -> None:
    reasons = await platform.client("executor-gateway").get(
        "/rejection-reasons", headers=platform.auth(Role.EXECUTOR_WORKER, organisation=EXECUTOR)
    )
    assert reasons.status_code == 200, reasons.text
    codes = [r["code"] for r in reasons.json()]
    assert {"not_a_problem", "private_property", "abusive"} <= set(codes)

    appeal_id = await submit(platform, FALLEN_TREE)
    yesterday = platform.clock.now().date() - timedelta(days=1)
    for action, body in [
        ("accept", {"planned_date": str(yesterday)}),
        ("clarify", {"answer": "Весной", "planned_date": str(yesterday)}),
    ]:
        past = await step(platform, appeal_id, action, body)
        assert past.status_code == 422, past.text
        assert past.json()["detail"][0]["loc"] == ["body", "planned_date"]
    unknown = await step(platform, appeal_id, "reject", {"reason_code": "lazy", "reason": "Нет"})
    assert unknown.status_code == 422, unknown.text
    (error,) = unknown.json()["detail"]
    assert error["loc"] == ["body", "reason_code"]
    assert "not_a_problem" in error["msg"]
    assert (await assignment(platform, appeal_id))["status"] == "routed"
    rejected = await ok(
        await step(
            platform,
            appeal_id,
            "reject",
            {"reason_code": "private_property", "reason": "Дерево на частном участке"},
        )
    )
    assert (rejected["status"], rejected["reason_code"]) == ("rejected", "private_property")

    lamp = await submit(platform, {**FALLEN_TREE, "category": "park_lighting", "text": "Темно"})
    in_may = date(platform.clock.now().year, 5, 15)
    explanation = {"answer": "Ремонт запланирован на май", "planned_date": str(in_may)}
    clarified = await ok(await step(platform, lamp, "clarify", explanation))
    assert (clarified["status"], clarified["planned_date"]) == ("clarified", str(in_may))
    await platform.settled()
    (rejection,) = published(platform, "AppealRejected")
    assert rejection.payload.reason_code == "private_property"  # type: ignore[attr-defined]
    (explained,) = published(platform, "AppealClarified")
    assert explained.payload.planned_date == in_may  # type: ignore[attr-defined]


async def test_an_operator_rejects_a_non_answer_and_the_executor_works_on_it_again(
    platform: InProcessPlatform,
) -> None:
    appeal_id = await submit(platform, FALLEN_TREE)
    too_soon = await step(
        platform, appeal_id, "answer-rejection", {"reason": "Нет ответа"}, role=Role.OPERATOR
    )
    assert too_soon.status_code == 409, too_soon.text
    assert "only an answer can be rejected" in too_soon.text
    await ok(await step(platform, appeal_id, "resolve", {"answer": "Работы выполнены"}))
    by_executor = await step(platform, appeal_id, "answer-rejection", {"reason": "Не ответ"})
    assert by_executor.status_code == 403

    reopened = await ok(
        await step(
            platform,
            appeal_id,
            "answer-rejection",
            {"reason": "Не сказано, что сделано"},
            role=Role.OPERATOR,
        )
    )
    assert reopened["status"] == "reopened"
    await ok(await step(platform, appeal_id, "resolve", {"answer": "Дерево распилено и вывезено"}))
    await platform.settled()
    (rejection,) = published(platform, "AnswerRejected")
    assert rejection.payload.by == OPERATOR  # type: ignore[attr-defined]
    history = (await assignment(platform, appeal_id))["history"]
    assert [(h["step"], h["by"]) for h in history][-2:] == [
        ("answer_rejected", OPERATOR),
        ("resolved", DISPATCHER),
    ]


async def test_the_citizens_verdict_reaches_the_executor(platform: InProcessPlatform) -> None:
    appeal_id = await submit(platform, FALLEN_TREE)
    await ok(await step(platform, appeal_id, "resolve", {"answer": "Убрали"}))
    await platform.settled()
    reopening = AppealReopenedPayload(executor_id=EXECUTOR, reason="Дерево лежит", rating=1)
    await as_intake(platform, citizens(platform, AppealReopened, appeal_id, reopening))
    seen = await assignment(platform, appeal_id)
    assert (seen["status"], seen["citizen_reason"], seen["rating"]) == (
        "reopened",
        "Дерево лежит",
        1,
    )

    await ok(await step(platform, appeal_id, "resolve", {"answer": "Теперь убрали"}))
    await platform.settled()
    confirming = AppealConfirmedPayload(rating=4, comment="Спасибо")
    await as_intake(platform, citizens(platform, AppealConfirmed, appeal_id, confirming))
    seen = await assignment(platform, appeal_id)
    assert (seen["status"], seen["rating"]) == ("closed", 4)
    assert [(h["step"], h["by"], h["rating"]) for h in seen["history"]][-2:] == [
        ("resolved", DISPATCHER, None),
        ("confirmed", "citizen", 4),
    ]
    assert gateway_dead_letters(platform) == []


async def test_an_unconfirmed_answer_closes_and_strangers_events_are_ignored(
    platform: InProcessPlatform,
) -> None:
    appeal_id = await submit(platform, FALLEN_TREE)
    await ok(await step(platform, appeal_id, "clarify", {"answer": "Плановые работы"}))
    await platform.settled()
    no_verdict = AppealClosedPayload(reason=CloseReason.NO_VERDICT)
    await as_intake(platform, citizens(platform, AppealClosed, appeal_id, no_verdict))
    assert (await assignment(platform, appeal_id))["status"] == "closed"

    stranger = str(new_event_id())  # an appeal the gateway holds no assignment for
    answer = ClarificationProvidedPayload(answer="Ответ")
    await as_intake(platform, citizens(platform, ClarificationProvided, stranger, answer))
    await as_intake(platform, citizens(platform, AppealClosed, stranger, no_verdict))
    assert gateway_dead_letters(platform) == []
