"""The legal clock through the services: an appeal routed under its rule's policy gets its
deadlines on the city's calendar; warnings, the breach and the escalation rungs are
published when they come, each once; a question to the citizen pauses the clock; what is
late is listed for the city and for the executor alone."""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx

from contracts.events import AppealRouted
from services.clock import FakeClock
from services.identity import Role
from services.testing import InProcessPlatform
from sla_tracker.city import read_sla_city
from sla_tracker.domain.deadlines import due_at
from sla_tracker.domain.policy import Policy, StageKind
from tests.infrastructure import REPO
from tests.usecases.test_appeal_lifecycle import CITIZEN, FALLEN_TREE, act, submit

EXECUTOR = "parks-dept"
"""Who the demo city's rules route a fallen tree to."""
CITY = read_sla_city(REPO / "deploy" / "demo-city", range(2025, 2028))


async def until(condition: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    """Wait (real time) until `condition` holds: the ticker works in the background."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"waited in vain for {what}"
        await asyncio.sleep(0.02)


def routed_under(platform: InProcessPlatform, appeal_id: str) -> tuple[AppealRouted, Policy]:
    (routed,) = [
        p.event
        for p in platform.published
        if isinstance(p.event, AppealRouted) and str(p.event.appeal_id) == appeal_id
    ]
    policy = CITY.policies.policy(routed.payload.sla_policy)
    assert policy is not None
    return routed, policy


def marks_of(platform: InProcessPlatform, appeal_id: str, stage: str) -> list[tuple[str, Any]]:
    """(event type, share or rung) of the SLA events published for one stage."""
    found = []
    for p in platform.published:
        event: Any = p.event
        if p.event.type in {"SlaWarning", "SlaBreached", "Escalated"} and (
            str(event.appeal_id) == appeal_id and event.payload.stage == stage
        ):
            found.append((event.type, getattr(event.payload, "rung", None)))
    return found


async def clock_of(platform: InProcessPlatform, appeal_id: str, **who: Any) -> httpx.Response:
    headers = platform.auth(**who) if who else platform.auth(Role.OPERATOR)
    return await platform.client("sla-tracker").get(f"/sla/appeals/{appeal_id}", headers=headers)


def answer_stage(seen: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in reversed(seen["stages"]) if s["stage"] == "answer")


async def test_an_appeal_is_warned_breached_and_escalated_on_its_policys_clock(
    platform: InProcessPlatform,
) -> None:
    clock = platform.clock
    assert isinstance(clock, FakeClock)
    appeal_id = await submit(platform, FALLEN_TREE)
    routed, policy = routed_under(platform, appeal_id)
    expected = due_at(
        routed.occurred_at,
        policy.stages[StageKind.ANSWER],
        CITY.calendar,
        CITY.zone,
        policy.off_day,
    )
    seen = await clock_of(platform, appeal_id)
    assert seen.status_code == 200, seen.text
    answer = answer_stage(seen.json())
    assert (answer["executor_id"], datetime.fromisoformat(answer["due_at"])) == (EXECUTOR, expected)
    citizen = platform.auth(Role.CITIZEN, subject=CITIZEN)
    mine = (await platform.client("intake").get(f"/appeals/{appeal_id}", headers=citizen)).json()
    assert datetime.fromisoformat(mine["due_at"]) == expected, "the citizen sees the due date"
    assert (await act(platform, EXECUTOR, appeal_id, "accept", {})).status_code == 200
    await platform.settled()

    before_breach = (expected - clock.now()).total_seconds() - 60
    await clock.advance(before_breach)
    await until(
        lambda: len(marks_of(platform, appeal_id, "answer")) >= len(policy.warn_at),
        "the answer stage's warnings",
    )
    assert [kind for kind, _ in marks_of(platform, appeal_id, "answer")].count("SlaBreached") == 0

    last_rung = max((e.at for e in policy.escalation), default=1.0)
    span = (expected - routed.occurred_at).total_seconds()
    await clock.advance(60 + span * (last_rung - 1) + 60)
    wanted: list[tuple[str, Any]] = [("SlaWarning", None)] * len(policy.warn_at)
    wanted += [("SlaBreached", None)] + [("Escalated", e.to) for e in policy.escalation]
    await until(
        lambda: sorted(marks_of(platform, appeal_id, "answer"), key=str) == sorted(wanted, key=str),
        f"every mark of the answer stage once: {wanted}",
    )
    await asyncio.sleep(0.2)
    assert len(marks_of(platform, appeal_id, "answer")) == len(wanted), "each mark once"

    operator = platform.auth(Role.OPERATOR)
    tracker = platform.client("sla-tracker")
    late = (await tracker.get("/sla/overdue", headers=operator)).json()
    assert appeal_id in [c["appeal_id"] for c in late]
    others = await tracker.get(
        "/sla/overdue", params={"executor_id": "roads-dept"}, headers=operator
    )
    assert appeal_id not in [c["appeal_id"] for c in others.json()]
    staff = platform.auth(Role.EXECUTOR_DISPATCHER, organisation=EXECUTOR)
    own = await tracker.get("/sla/overdue", headers=staff)
    assert appeal_id in [c["appeal_id"] for c in own.json()], "their own, unasked"
    theirs = await tracker.get("/sla/overdue", params={"executor_id": "roads-dept"}, headers=staff)
    assert theirs.status_code == 403
    stranger = await clock_of(
        platform, appeal_id, role=Role.EXECUTOR_DISPATCHER, organisation="roads-dept"
    )
    assert stranger.status_code == 403


async def inbox(platform: InProcessPlatform, sort: str) -> list[tuple[str, str | None]]:
    staff = platform.auth(Role.EXECUTOR_DISPATCHER, organisation=EXECUTOR)
    listed = await platform.client("executor-gateway").get(
        f"/executors/{EXECUTOR}/assignments", params={"sort": sort, "limit": 500}, headers=staff
    )
    assert listed.status_code == 200, listed.text
    return [(a["appeal_id"], a["due_at"]) for a in listed.json()]


async def test_a_question_to_the_citizen_pauses_the_answer_clock(
    platform: InProcessPlatform,
) -> None:
    """The deadline moves by the time the citizen took to answer, in the tracker, in the
    citizen's view and in the executor's inbox, which sorts by it."""
    clock = platform.clock
    assert isinstance(clock, FakeClock)
    appeal_id = await submit(platform, FALLEN_TREE)
    assert (await act(platform, EXECUTOR, appeal_id, "accept", {})).status_code == 200
    await platform.settled()
    due = datetime.fromisoformat(
        answer_stage((await clock_of(platform, appeal_id)).json())["due_at"]
    )
    await clock.advance(24 * 3600)
    later = await submit(platform, {**FALLEN_TREE, "location": {"lat": 62.0358, "lon": 129.706}})
    asked = await act(platform, EXECUTOR, appeal_id, "ask", {"question": "Какой двор?"})
    assert asked.status_code == 200, asked.text
    await platform.settled()
    paused = answer_stage((await clock_of(platform, appeal_id)).json())
    assert paused["paused_since"] is not None
    await clock.advance(3 * 24 * 3600)
    citizen = platform.auth(Role.CITIZEN, subject=CITIZEN)
    answered = await platform.client("intake").post(
        f"/appeals/{appeal_id}/clarification",
        json={"answer": "Во дворе дома 5"},
        headers=citizen,
    )
    assert answered.status_code == 200, answered.text
    await platform.settled()
    resumed = answer_stage((await clock_of(platform, appeal_id)).json())
    assert resumed["paused_since"] is None
    moved = due + timedelta(days=3)
    assert datetime.fromisoformat(resumed["due_at"]) == moved
    mine = (await platform.client("intake").get(f"/appeals/{appeal_id}", headers=citizen)).json()
    assert datetime.fromisoformat(mine["due_at"]) == moved, "the citizen sees it moved"
    by_due = [a for a, _ in await inbox(platform, "due") if a in {appeal_id, later}]
    by_issue = [a for a, _ in await inbox(platform, "issued") if a in {appeal_id, later}]
    assert by_issue == [appeal_id, later]
    assert by_due == [later, appeal_id], "the nearer deadline first"
