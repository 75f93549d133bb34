"""A citizen signs in by phone with a code texted to them, and files an appeal with the
token intake gives them (intake in one process, real PostgreSQL, a clock moved by hand,
a recording SMS gateway)."""

import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import structlog
from sqlmodel import select

from intake.store.tables import SignInChallengeRow
from services.clock import FakeClock
from services.testing import InProcessPlatform, ServiceDatabases

PHONE = "+79141234567"
POTHOLE = {"category": "pothole", "location": {"lat": 62.0255, "lon": 129.69}, "text": "Яма"}


@pytest.fixture
async def platform(databases: ServiceDatabases) -> AsyncIterator[InProcessPlatform]:
    async with InProcessPlatform(databases, services=["intake"]) as running:
        yield running


Logged = Callable[[], list[str]]


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> Logged:
    """The log lines written so far in the test: structlog's rendered lines (whatever file
    a logger was bound to when it was cached) and the standard library's records."""
    lines: list[str] = []

    def record(*args: Any, **kwargs: Any) -> None:
        lines.append(" ".join(str(a) for a in args))
        print(*args, **kwargs)

    monkeypatch.setattr(structlog._output, "print", record, raising=False)
    caplog.set_level(logging.DEBUG)
    return lambda: [*lines, *(r.getMessage() for r in caplog.records)]


def intake(platform: InProcessPlatform) -> httpx.AsyncClient:
    return platform.client("intake")


async def ask_for_code(platform: InProcessPlatform, phone: str = PHONE) -> dict[str, Any]:
    started = await intake(platform).post("/auth/phone/start", json={"phone": phone})
    assert started.status_code == 202, started.text
    answer: dict[str, Any] = started.json()
    return answer


def code_texted(platform: InProcessPlatform, phone: str = PHONE) -> str:
    found = re.search(r"\b(\d{6})\b", platform.sms.last_to(phone))
    assert found, platform.sms.sent
    return found.group(1)


async def verify(platform: InProcessPlatform, challenge_id: str, code: str) -> httpx.Response:
    return await intake(platform).post(
        "/auth/phone/verify", json={"challenge_id": challenge_id, "code": code}
    )


async def sign_in(platform: InProcessPlatform, phone: str = PHONE) -> dict[str, str]:
    challenge = await ask_for_code(platform, phone)
    signed_in = await verify(platform, challenge["challenge_id"], code_texted(platform, phone))
    assert signed_in.status_code == 200, signed_in.text
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


def other(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def test_a_citizen_signs_in_by_phone_and_files_an_appeal_with_the_token(
    platform: InProcessPlatform, logged: Logged
) -> None:
    challenge = await ask_for_code(platform, "8 (914) 123-45-67")
    assert challenge.keys() == {"challenge_id", "expires_in", "resend_after"}
    assert (challenge["expires_in"], challenge["resend_after"]) == (300, 60)
    code = code_texted(platform)  # the number as texted to: E.164

    signed_in = await verify(platform, challenge["challenge_id"], code)
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()
    assert (token["token_type"], token["expires_in"]) == ("Bearer", 3600)
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    filed = await intake(platform).post("/appeals", json=POTHOLE, headers=headers)
    assert filed.status_code == 201, filed.text
    mine = await intake(platform).get(filed.headers["Location"], headers=headers)
    assert mine.json()["view"] == "private"
    assert mine.json()["text"] == "Яма"
    anyones = await intake(platform).get(filed.headers["Location"])
    assert anyones.json()["view"] == "public"

    again = await verify(platform, challenge["challenge_id"], code)
    assert again.status_code == 400, again.text

    lines = logged()
    assert any(challenge["challenge_id"] in line for line in lines), "no log captured"
    assert not [line for line in lines if code in line]


async def test_the_same_phone_is_the_same_citizen_next_time(platform: InProcessPlatform) -> None:
    first = await sign_in(platform)
    filed = await intake(platform).post("/appeals", json=POTHOLE, headers=first)
    assert isinstance(platform.clock, FakeClock)
    await platform.clock.advance(3 * 3600)  # the first token has expired
    assert (await intake(platform).get(filed.headers["Location"], headers=first)).status_code == 401

    second = await sign_in(platform)
    mine = await intake(platform).get(filed.headers["Location"], headers=second)
    assert mine.json()["view"] == "private"
    someone_else = await sign_in(platform, "+79149876543")
    theirs = await intake(platform).get(filed.headers["Location"], headers=someone_else)
    assert theirs.json()["view"] == "public"


async def test_five_wrong_codes_burn_the_challenge(platform: InProcessPlatform) -> None:
    challenge = await ask_for_code(platform)
    code = code_texted(platform)
    for left in (4, 3, 2, 1, 0):
        wrong = await verify(platform, challenge["challenge_id"], other(code))
        assert wrong.status_code == 401, wrong.text
        assert f"{left} tries left" in wrong.text or (left == 0 and "no tries left" in wrong.text)
    right = await verify(platform, challenge["challenge_id"], code)
    assert right.status_code == 400
    assert "too many wrong codes" in right.text


async def test_a_code_expires_after_five_minutes(platform: InProcessPlatform) -> None:
    challenge = await ask_for_code(platform)
    assert isinstance(platform.clock, FakeClock)
    await platform.clock.advance(300)
    late = await verify(platform, challenge["challenge_id"], code_texted(platform))
    assert late.status_code == 400
    assert "expired" in late.text


async def test_a_new_code_waits_a_minute_and_replaces_the_old_one(
    platform: InProcessPlatform,
) -> None:
    first = await ask_for_code(platform)
    first_code = code_texted(platform)
    too_soon = await intake(platform).post("/auth/phone/start", json={"phone": PHONE})
    assert too_soon.status_code == 429
    assert too_soon.headers["Retry-After"] == "60"
    assert isinstance(platform.clock, FakeClock)
    await platform.clock.advance(60)
    second = await ask_for_code(platform)
    replaced = await verify(platform, first["challenge_id"], first_code)
    assert replaced.status_code == 400, replaced.text
    signed_in = await verify(platform, second["challenge_id"], code_texted(platform))
    assert signed_in.status_code == 200


async def test_a_known_and_an_unknown_number_get_the_same_answer(
    platform: InProcessPlatform,
) -> None:
    await sign_in(platform)  # PHONE is now a known citizen's
    assert isinstance(platform.clock, FakeClock)
    await platform.clock.advance(60)
    known = await intake(platform).post("/auth/phone/start", json={"phone": PHONE})
    unknown = await intake(platform).post("/auth/phone/start", json={"phone": "+79140001122"})
    assert known.status_code == unknown.status_code == 202
    shape = [{k: v for k, v in r.json().items() if k != "challenge_id"} for r in (known, unknown)]
    assert shape[0] == shape[1]
    wrong = [
        await verify(platform, r.json()["challenge_id"], other(code_texted(platform, phone)))
        for r, phone in ((known, PHONE), (unknown, "+79140001122"))
    ]
    assert [w.status_code for w in wrong] == [401, 401]
    assert wrong[0].json() == wrong[1].json()


async def test_a_number_that_is_no_phone_is_refused_with_a_reason(
    platform: InProcessPlatform,
) -> None:
    refused = await intake(platform).post("/auth/phone/start", json={"phone": "12345"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "phone"]
    assert platform.sms.sent == []


async def test_one_address_asking_for_many_numbers_is_stopped(
    databases: ServiceDatabases,
) -> None:
    limits = {"intake": {"client_codes_per_hour": 3, "sms_daily_budget": 100}}
    async with InProcessPlatform(databases, services=["intake"], settings=limits) as platform:
        for n in range(3):
            await ask_for_code(platform, f"+7914000000{n}")
        pumped = await intake(platform).post("/auth/phone/start", json={"phone": "+79140000009"})
        assert pumped.status_code == 429
        assert int(pumped.headers["Retry-After"]) == 3600
        assert len(platform.sms.sent) == 3


async def test_the_daily_budget_stops_every_sender(databases: ServiceDatabases) -> None:
    limits = {"intake": {"sms_daily_budget": 2}}
    async with InProcessPlatform(databases, services=["intake"], settings=limits) as platform:
        for n in range(2):
            await ask_for_code(platform, f"+7914000000{n}")  # within one address's quota
        over = await intake(platform).post("/auth/phone/start", json={"phone": "+79140000005"})
        assert over.status_code == 429
        assert over.json()["detail"].startswith("too many codes requested")


async def test_sent_codes_are_forgotten_a_day_later(platform: InProcessPlatform) -> None:
    for n in range(2):
        await ask_for_code(platform, f"+7914000000{n}")
    sign_in_service = platform.service("intake").app.state.phone_sign_in
    assert isinstance(platform.clock, FakeClock)
    await platform.clock.advance(23 * 3600)
    await ask_for_code(platform, "+79140000005")
    await platform.clock.advance(3600 + 120)
    await sign_in_service.prune()
    async with platform.service("intake").runtime.db.session() as session:
        kept = (await session.exec(select(SignInChallengeRow.phone))).all()
    assert kept == ["+79140000005"]
