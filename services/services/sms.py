"""Text messages to phones, through a gateway adapter (SMS.ru-style HTTP API in
production, a local fake gateway under `make up`, a recording fake in tests).

Only what a caller needs: send one text to one E.164 number, or be told why not.
"""

from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import structlog

log = structlog.get_logger(__name__)


class SmsError(Exception):
    """The gateway refused or failed to take the message."""

    transient: bool = False
    """True when trying again later may succeed (rate limit, gateway down)."""


class SmsRejected(SmsError):
    """The gateway will never send this one (bad number, blocked, bad key)."""


class SmsUnavailable(SmsError):
    """The gateway is down, slow or rate-limits us: try again later."""

    transient = True

    def __init__(self, reason: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after_s = retry_after_s
        """How long the gateway asked us to wait (its `Retry-After`), when it said."""


class SmsGateway(Protocol):
    async def send(self, phone: str, text: str) -> str:
        """Send `text` to `phone` (E.164, `+79141234567`); returns the gateway's message id,
        raises `SmsRejected` or `SmsUnavailable`."""


@dataclass
class RecordingSmsGateway:
    """A fake for tests: keeps what it was asked to send."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    async def send(self, phone: str, text: str) -> str:
        self.sent.append((phone, text))
        return f"fake-{len(self.sent)}"

    def last_to(self, phone: str) -> str:
        """The last text sent to `phone`."""
        return next(text for to, text in reversed(self.sent) if to == phone)


def masked(phone: str) -> str:
    """The phone as logs may show it: `+79141234567` → `+7914***4567`."""
    if len(phone) <= 8:
        return "***"
    return f"{phone[:5]}***{phone[-4:]}"


TRANSIENT_CODES: dict[int, str] = {
    201: "not enough money on the gateway account",
    206: "the account's daily limit is reached",
    220: "the gateway is temporarily unavailable",
    230: "the daily limit of messages to this number is reached",
    231: "the per-minute limit of identical messages to this number is reached",
    232: "the daily limit of identical messages to this number is reached",
    233: "the limit of codes to this number is reached",
    500: "the gateway's server failed",
}
"""SMS.ru error codes after which the same message may go through later; every other
error code (200 bad key, 202 bad number, 207 number refused, 209 stop list, …) is final."""


class HttpSmsGateway:
    """SMS.ru's HTTP API (`POST {base_url}/sms/send`, form fields `api_id`, `to`, `msg`,
    `json=1`); the local fake gateway (`python -m services fake-sms`) answers the same.

    The key travels in the form body, never in the URL, so no access log holds it; the
    text (it carries one-time codes) is never logged. One HTTP client per gateway: build
    it in the lifespan and `aclose()` it there.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._api_key = api_key
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout_s, transport=transport
        )

    async def send(self, phone: str, text: str) -> str:
        to = phone.removeprefix("+")
        try:
            response = await self._client.post(
                "/sms/send", data={"api_id": self._api_key, "to": to, "msg": text, "json": "1"}
            )
        except httpx.TimeoutException as error:
            raise self._unavailable(phone, f"no answer in time ({type(error).__name__})") from error
        except httpx.TransportError as error:
            raise self._unavailable(phone, f"cannot reach the gateway: {error!r}") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise self._unavailable(
                phone,
                f"HTTP {response.status_code}",
                retry_after_s=_retry_after(response.headers.get("Retry-After")),
            )
        if response.status_code != 200:
            raise self._rejected(phone, f"HTTP {response.status_code}")
        try:
            answer = response.json()
            if answer["status"] != "OK":
                raise self._refused(phone, answer)
            outcome = answer["sms"][to]
            if outcome["status"] != "OK":
                raise self._refused(phone, outcome)
            sms_id = str(outcome["sms_id"])
        except (ValueError, KeyError, TypeError) as error:
            raise self._unavailable(phone, f"unreadable answer: {error!r}") from error
        log.info("sms sent", phone=masked(phone), sms_id=sms_id)
        return sms_id

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> "HttpSmsGateway":
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    def _refused(self, phone: str, answer: dict[str, Any]) -> SmsError:
        code = int(answer["status_code"])
        text = answer.get("status_text") or TRANSIENT_CODES.get(code, "refused")
        reason = f"gateway code {code}: {text}"
        if code in TRANSIENT_CODES:
            return self._unavailable(phone, reason)
        return self._rejected(phone, reason)

    @staticmethod
    def _unavailable(phone: str, reason: str, *, retry_after_s: float | None = None) -> SmsError:
        log.warning("sms gateway unavailable", phone=masked(phone), reason=reason)
        return SmsUnavailable(reason, retry_after_s=retry_after_s)

    @staticmethod
    def _rejected(phone: str, reason: str) -> SmsError:
        log.warning("sms rejected", phone=masked(phone), reason=reason)
        return SmsRejected(reason)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header given in seconds (HTTP dates are ignored)."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
