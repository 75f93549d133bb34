"""Text messages to phones, through a gateway adapter (SMS.ru-style HTTP API in
production, a local fake gateway under `make up`, a recording fake in tests).

Only what a caller needs: send one text to one E.164 number, or be told why not.
"""

from dataclasses import dataclass, field
from typing import Protocol


class SmsError(Exception):
    """The gateway refused or failed to take the message."""

    transient: bool = False
    """True when trying again later may succeed (rate limit, gateway down)."""


class SmsRejected(SmsError):
    """The gateway will never send this one (bad number, blocked, bad key)."""


class SmsUnavailable(SmsError):
    """The gateway is down, slow or rate-limits us: try again later."""

    transient = True


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
