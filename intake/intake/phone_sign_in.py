"""The phone sign-in use cases: send a code (`start`), trade it for a token (`verify`)."""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import structlog

from intake.citizen_tokens import CitizenTokens
from intake.domain.phone_sign_in import (
    Challenge,
    ChallengeClosed,
    CodeRefused,
    CodeSent,
    SignInRules,
    normalise_phone,
)
from intake.store import sign_in as store
from services.clock import Clock
from services.db import Database
from services.sms import SmsGateway, SmsRejected, SmsUnavailable

log = structlog.get_logger(__name__)

SMS_RETRY_AFTER_S = 30


class SignInUnavailable(Exception):
    """No code can be sent now (no gateway configured, or it does not answer)."""

    def __init__(self, reason: str, retry_after_s: int = SMS_RETRY_AFTER_S) -> None:
        super().__init__(reason)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class SignedIn:
    access_token: str
    expires_in: int


@dataclass(frozen=True)
class SignInConfig:
    rules: SignInRules
    secret: bytes
    """HMAC key of the stored codes."""
    default_region: str
    text: str
    """The message; `{code}` is replaced by the code."""

    @staticmethod
    def random_secret() -> bytes:
        return secrets.token_bytes(32)


class PhoneSignIn:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        config: SignInConfig,
        sms: SmsGateway | None,
        tokens: CitizenTokens,
    ) -> None:
        self._db = db
        self._clock = clock
        self._config = config
        self.sms = sms
        """None until a gateway is configured (codes are then refused with 503)."""
        self.tokens = tokens

    @property
    def rules(self) -> SignInRules:
        return self._config.rules

    async def start(self, raw_phone: str, client: str) -> CodeSent:
        """Text a code to the phone; the answer is the same whether or not it belongs to a
        known citizen. Raises InvalidPhone, SendLimited or SignInUnavailable."""
        phone = normalise_phone(raw_phone, self._config.default_region)
        sms = self.sms
        if sms is None:
            raise SignInUnavailable("no SMS gateway configured", retry_after_s=3600)
        now = self._clock.now()
        challenge, code = Challenge.open(phone, self._config.secret, now, self.rules)
        async with self._db.transaction() as session:
            await store.lock_sends(session)
            newest = {
                quota: await store.limit_th_newest_send(session, quota, phone, client, now)
                for quota in self.rules.quotas
            }
            self.rules.check_send(newest, now)
            await store.open_challenge(session, challenge, client, now)
        try:
            await sms.send(phone, self._config.text.replace("{code}", code))
        except SmsUnavailable as error:
            async with self._db.transaction() as session:
                await store.forget_challenge(session, challenge.id)
            log.warning("SMS gateway unavailable", challenge_id=str(challenge.id), error=str(error))
            wait = int(error.retry_after_s or SMS_RETRY_AFTER_S)
            raise SignInUnavailable(
                "the SMS gateway does not answer; try again later", wait
            ) from error
        except SmsRejected as error:
            # Answered like any other number: the caller learns nothing about it.
            log.error(
                "SMS gateway refused a code", challenge_id=str(challenge.id), error=str(error)
            )
        else:
            log.info("sign-in code sent", challenge_id=str(challenge.id))
        return CodeSent(challenge.id, self.rules.code_lifetime, self.rules.resend_after)

    async def verify(self, challenge_id: UUID, code: str) -> SignedIn:
        """A token for the citizen whose phone got `code` for this challenge (their first
        sign-in makes them a citizen). Raises CodeRefused."""
        now = self._clock.now()
        refused: CodeRefused | None = None
        async with self._db.transaction() as session:
            found = await store.challenge_for_update(session, challenge_id)
            if found is None:
                raise ChallengeClosed("no such code request, or it expired; ask for a new code")
            row, challenge = found
            try:
                challenge.check_code(code, self._config.secret, now, self.rules)
            except CodeRefused as error:
                refused = error
            store.save_challenge(session, row, challenge)  # a wrong code costs a try
            if refused is None:
                citizen_id = await store.citizen_with_phone(session, challenge.phone, now)
        if refused is not None:
            log.info("sign-in code refused", challenge_id=str(challenge_id), reason=str(refused))
            raise refused
        log.info("citizen signed in", challenge_id=str(challenge_id), citizen_id=str(citizen_id))
        return SignedIn(self.tokens.issue(citizen_id, now), self.tokens.lifetime_s)

    async def prune(self) -> None:
        """Forget codes too old to count against any limit."""
        async with self._db.transaction() as session:
            removed = await store.prune_challenges(
                session, self._clock.now() - self.rules.remembered_for - timedelta(minutes=1)
            )
        if removed:
            log.info("pruned sign-in codes", removed=removed)
