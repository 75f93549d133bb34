"""The rules of signing in by phone: numbers, codes, challenges and send limits."""

import re
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from intake.domain.phone_sign_in import (
    Challenge,
    ChallengeClosed,
    InvalidPhone,
    Quota,
    Scope,
    SendLimited,
    SignInRules,
    WrongCode,
    code_digest,
    new_code,
    normalise_phone,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECRET = b"k" * 32
RULES = SignInRules()
PHONE = "+79141234567"


@pytest.mark.parametrize("raw", ["+79141234567", "89141234567", "+7 (914) 123-45-67"])
def test_a_mobile_number_is_written_in_e164(raw: str) -> None:
    assert normalise_phone(raw, "RU") == PHONE


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("12", "not a valid phone number"),
        ("not a phone", "not a phone number"),
        ("+7 4112 123456", "cannot receive text messages"),  # a landline in Yakutsk
    ],
)
def test_anything_but_a_valid_mobile_number_is_refused(raw: str, reason: str) -> None:
    with pytest.raises(InvalidPhone, match=reason):
        normalise_phone(raw, "RU")


def test_codes_are_six_random_digits() -> None:
    codes = {new_code() for _ in range(200)}
    assert all(re.fullmatch(r"[0-9]{6}", c) for c in codes)
    assert len(codes) > 190


def opened() -> tuple[Challenge, str]:
    return Challenge.open(PHONE, SECRET, NOW, RULES)


def test_only_an_hmac_of_the_code_is_kept_bound_to_challenge_and_phone() -> None:
    challenge, code = opened()
    assert code not in repr(challenge)
    assert challenge.digest == code_digest(SECRET, challenge.id, PHONE, code)
    assert challenge.digest != code_digest(SECRET, uuid4(), PHONE, code)
    assert challenge.digest != code_digest(SECRET, challenge.id, "+79140000000", code)
    assert challenge.digest != code_digest(b"another secret", challenge.id, PHONE, code)


def test_the_right_code_signs_in_once() -> None:
    challenge, code = opened()
    challenge.check_code(code, SECRET, NOW + timedelta(minutes=4), RULES)
    assert challenge.used
    with pytest.raises(ChallengeClosed, match="no longer valid"):
        challenge.check_code(code, SECRET, NOW + timedelta(minutes=4), RULES)


def test_a_code_expires_after_five_minutes() -> None:
    challenge, code = opened()
    with pytest.raises(ChallengeClosed, match="expired"):
        challenge.check_code(code, SECRET, NOW + timedelta(minutes=5), RULES)


def test_the_code_of_another_challenge_does_not_work() -> None:
    challenge, code = opened()
    other_code = code
    while other_code == code:
        _, other_code = opened()
    with pytest.raises(WrongCode):
        challenge.check_code(other_code, SECRET, NOW, RULES)


def test_five_wrong_codes_burn_the_challenge_even_for_the_right_code() -> None:
    challenge, code = opened()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    left = []
    for _ in range(RULES.max_tries):
        with pytest.raises(WrongCode) as refused:
            challenge.check_code(wrong, SECRET, NOW, RULES)
        left.append(refused.value.tries_left)
    assert left == [4, 3, 2, 1, 0]
    with pytest.raises(ChallengeClosed, match="too many wrong codes"):
        challenge.check_code(code, SECRET, NOW, RULES)
    assert not challenge.used


def test_the_answers_never_depend_on_who_owns_the_phone() -> None:
    """Nothing in a challenge or its refusals can tell a known citizen's phone: the same
    steps on two numbers give the same messages."""
    messages = []
    for phone in (PHONE, "+79149876543"):
        challenge, code = Challenge.open(phone, SECRET, NOW, RULES)
        steps = []
        for attempt in ("000000" if code != "000000" else "111111", code, code):
            try:
                challenge.check_code(attempt, SECRET, NOW, RULES)
                steps.append("signed in")
            except (WrongCode, ChallengeClosed) as refused:
                steps.append(str(refused))
        messages.append(steps)
    assert messages[0] == messages[1]


def newest(sends: dict[Quota, datetime]) -> dict[Quota, datetime | None]:
    return {q: sends.get(q) for q in RULES.quotas}


def quota(scope: Scope, window: timedelta) -> Quota:
    return next(q for q in RULES.quotas if q.scope is scope and q.window == window)


def test_sending_is_free_while_no_quota_is_full() -> None:
    RULES.check_send(newest({}), NOW)


def test_another_code_to_the_same_phone_waits_sixty_seconds() -> None:
    cooldown = quota(Scope.PHONE, timedelta(seconds=60))
    with pytest.raises(SendLimited) as limited:
        RULES.check_send(newest({cooldown: NOW - timedelta(seconds=15)}), NOW)
    assert limited.value.retry_after_s == 45
    RULES.check_send(newest({cooldown: NOW - timedelta(seconds=60)}), NOW)


@pytest.mark.parametrize(
    ("scope", "window", "limit"),
    [
        (Scope.PHONE, timedelta(hours=1), 5),
        (Scope.PHONE, timedelta(days=1), 10),
        (Scope.CLIENT, timedelta(hours=1), 10),
        (Scope.CLIENT, timedelta(days=1), 50),
        (Scope.EVERYONE, timedelta(days=1), 5000),
    ],
)
def test_a_full_quota_says_when_the_oldest_counted_send_leaves_its_window(
    scope: Scope, window: timedelta, limit: int
) -> None:
    full = quota(scope, window)
    assert full.limit == limit
    with pytest.raises(SendLimited, match="too many codes requested") as limited:
        RULES.check_send(newest({full: NOW - window + timedelta(seconds=100)}), NOW)
    assert limited.value.retry_after_s == 100


def test_the_longest_wait_of_several_full_quotas_is_the_answer() -> None:
    sends = {
        quota(Scope.PHONE, timedelta(seconds=60)): NOW - timedelta(seconds=50),
        quota(Scope.CLIENT, timedelta(hours=1)): NOW - timedelta(minutes=30),
    }
    with pytest.raises(SendLimited) as limited:
        RULES.check_send(newest(sends), NOW)
    assert limited.value.retry_after_s == 1800


def test_sends_are_remembered_as_long_as_the_longest_window() -> None:
    assert RULES.remembered_for == timedelta(days=1)
