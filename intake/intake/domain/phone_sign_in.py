"""Signing in by phone with a one-time code (pure rules, no I/O).

A citizen asks for a code for a phone number; intake opens a *challenge* (a random id the
client keeps), texts a 6-digit code to the number and remembers only
HMAC-SHA256(secret, challenge|phone|code). The code is good once, for a few minutes, for
that challenge only, and for a few tries. How often codes may be sent is limited per
phone, per client address and overall (SMS-pumping fraud costs the city money). Nothing
here depends on whether the phone is a known citizen's: the answers cannot tell.
"""

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid4

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from intake.domain.errors import IntakeError

CODE_DIGITS = 6
SMS_CAPABLE = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


class InvalidPhone(IntakeError):
    field = "phone"
    code = "invalid_phone"


def normalise_phone(raw: str, default_region: str) -> str:
    """The number in E.164 (`+79141234567`); raises `InvalidPhone` unless it is a valid
    number that can receive a text. Numbers without `+` are read in `default_region`."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except NumberParseException as error:
        raise InvalidPhone("not a phone number; write it as +79141234567") from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("not a valid phone number; write it as +79141234567")
    if phonenumbers.number_type(number) not in SMS_CAPABLE:
        raise InvalidPhone("this number cannot receive text messages; give a mobile number")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def new_code() -> str:
    """A uniformly random code of `CODE_DIGITS` digits."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(secret: bytes, challenge_id: UUID, phone: str, code: str) -> str:
    """What is stored instead of the code: useless without the secret, and bound to one
    challenge and one phone."""
    message = f"{challenge_id}|{phone}|{code}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


class SignInError(Exception):
    """A sign-in step refused; the message is safe to show (it never tells whether the
    phone belongs to a known citizen)."""


class SendLimited(SignInError):
    """Too many codes asked for: the caller may ask again after `retry_after_s`."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many codes requested; try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class CodeRefused(SignInError):
    """The code does not sign the caller in."""


class WrongCode(CodeRefused):
    def __init__(self, tries_left: int) -> None:
        super().__init__(
            f"wrong code; {tries_left} tries left"
            if tries_left
            else "wrong code; no tries left, ask for a new code"
        )
        self.tries_left = tries_left


class ChallengeClosed(CodeRefused):
    """The challenge can no longer sign anyone in: ask for a new code."""


class Scope(StrEnum):
    """Whose sends a quota counts."""

    PHONE = "phone"
    CLIENT = "client"
    """The caller's network address."""
    EVERYONE = "everyone"


@dataclass(frozen=True)
class Quota:
    """At most `limit` codes sent within any `window` to one `scope`."""

    scope: Scope
    limit: int
    window: timedelta

    def wait(self, limit_th_newest: datetime | None, now: datetime) -> timedelta:
        """How long until one more send fits, given the `limit`-th newest send within the
        window (None: fewer sends than the limit)."""
        if limit_th_newest is None:
            return timedelta(0)
        return max(limit_th_newest + self.window - now, timedelta(0))


@dataclass(frozen=True)
class SignInRules:
    code_lifetime: timedelta = timedelta(minutes=5)
    max_tries: int = 5
    """Wrong codes a challenge survives; the next try is refused whatever the code."""
    resend_after: timedelta = timedelta(seconds=60)
    per_phone_hour: int = 5
    per_phone_day: int = 10
    per_client_hour: int = 10
    per_client_day: int = 50
    daily_budget: int = 5000
    """Codes sent in any 24 hours, to everyone together."""

    @property
    def quotas(self) -> tuple[Quota, ...]:
        hour, day = timedelta(hours=1), timedelta(days=1)
        return (
            Quota(Scope.PHONE, 1, self.resend_after),
            Quota(Scope.PHONE, self.per_phone_hour, hour),
            Quota(Scope.PHONE, self.per_phone_day, day),
            Quota(Scope.CLIENT, self.per_client_hour, hour),
            Quota(Scope.CLIENT, self.per_client_day, day),
            Quota(Scope.EVERYONE, self.daily_budget, day),
        )

    @property
    def remembered_for(self) -> timedelta:
        """How long a sent code must be kept to count against every quota."""
        return max([q.window for q in self.quotas] + [self.code_lifetime])

    def check_send(self, newest: Mapping[Quota, datetime | None], now: datetime) -> None:
        """Raise `SendLimited` unless every quota has room; `newest` gives each quota's
        `limit`-th newest send within its window (see `Quota.wait`)."""
        wait = max((q.wait(newest.get(q), now) for q in self.quotas), default=timedelta(0))
        if wait > timedelta(0):
            raise SendLimited(max(1, int(-(-wait.total_seconds() // 1))))


@dataclass
class Challenge:
    """One code sent to one phone; it signs its phone in at most once."""

    id: UUID
    phone: str
    digest: str
    expires_at: datetime
    tries: int = 0
    used: bool = False
    """Signed in with, or replaced by a newer code for the same phone."""

    @classmethod
    def open(
        cls, phone: str, secret: bytes, now: datetime, rules: SignInRules
    ) -> tuple["Challenge", str]:
        """A new challenge for `phone`, and the code to text (never kept)."""
        challenge_id, code = uuid4(), new_code()
        digest = code_digest(secret, challenge_id, phone, code)
        return cls(challenge_id, phone, digest, now + rules.code_lifetime), code

    def check_code(self, code: str, secret: bytes, now: datetime, rules: SignInRules) -> None:
        """Accept `code` once (the challenge is then used) or raise `CodeRefused`; a wrong
        code costs a try either way."""
        if self.used:
            raise ChallengeClosed("this code is no longer valid; ask for a new code")
        if now >= self.expires_at:
            raise ChallengeClosed("this code has expired; ask for a new code")
        if self.tries >= rules.max_tries:
            raise ChallengeClosed("too many wrong codes; ask for a new code")
        self.tries += 1
        expected = code_digest(secret, self.id, self.phone, code)
        if not hmac.compare_digest(self.digest, expected):
            raise WrongCode(rules.max_tries - self.tries)
        self.used = True


@dataclass(frozen=True)
class CodeSent:
    """What a caller learns when a code went out (the same for every number)."""

    challenge_id: UUID
    expires_in: timedelta
    resend_after: timedelta
