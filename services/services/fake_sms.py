"""A local SMS gateway for development and tests: answers SMS.ru's `POST /sms/send` as the
real one does and keeps the messages in memory, where a developer reads them.

- `GET /inbox` (newest first; `?phone=+79141234567` filters) and `GET /inbox/latest?phone=`;
- numbers on the `refused` list get error 207, an empty `api_id` error 200;
- more than `per_second` messages to one phone within a second get HTTP 429 with
  `Retry-After`.

`python -m services fake-sms --port 8090` runs it; `make up` starts it unless a real gateway
is configured. Never for production: anyone who can reach it reads every code.
"""

import itertools
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

KEPT_MESSAGES = 10_000
"""The inbox forgets older messages beyond this many."""
REFUSED_CODE = 207
BAD_KEY_CODE = 200
BAD_NUMBER_CODE = 202
NO_TEXT_CODE = 203
BALANCE = 1000.0


class InboxMessage(BaseModel):
    """One message the fake gateway took."""

    sms_id: str
    phone: str
    """E.164, `+79141234567`."""
    text: str
    received_at: datetime


class FakeSmsGateway:
    """What the fake gateway knows: its messages and who sent how much when."""

    def __init__(
        self,
        *,
        refused: Iterable[str] = (),
        per_second: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.refused = {e164(phone) for phone in refused}
        self.per_second = per_second
        self.messages: deque[InboxMessage] = deque(maxlen=KEPT_MESSAGES)
        self._clock = clock
        self._recent: defaultdict[str, deque[float]] = defaultdict(deque)
        self._ids = itertools.count(1)

    def throttled(self, phones: list[str]) -> bool:
        """Whether one more message to any of `phones` would exceed its per-second limit."""
        now = self._clock()
        for phone in phones:
            recent = self._recent[phone]
            while recent and now - recent[0] >= 1.0:
                recent.popleft()
        return any(len(self._recent[phone]) >= self.per_second for phone in phones)

    def take(self, phone: str, text: str) -> dict[str, Any]:
        """SMS.ru's per-number outcome of sending `text` to `phone`."""
        if not phone[1:].isdigit() or not 8 <= len(phone) <= 16:
            return _error(BAD_NUMBER_CODE, "Неправильно указан номер телефона получателя")
        if phone in self.refused:
            return _error(REFUSED_CODE, "На этот номер нельзя отправлять сообщения")
        self._recent[phone].append(self._clock())
        message = InboxMessage(
            sms_id=f"{next(self._ids):06d}-{time.time_ns() % 10**8:08d}",
            phone=phone,
            text=text,
            received_at=datetime.now(UTC),
        )
        self.messages.append(message)
        return {"status": "OK", "status_code": 100, "sms_id": message.sms_id}

    def inbox(self, phone: str | None = None) -> list[InboxMessage]:
        """Messages, newest first, to `phone` only when given."""
        wanted = e164(phone) if phone else None
        return [m for m in reversed(self.messages) if wanted is None or m.phone == wanted]


def e164(phone: str) -> str:
    """`+79141234567` from `79141234567`, ` +79141234567` or `%2B`-less query strings
    (where a `+` arrives as a space)."""
    return "+" + phone.strip().removeprefix("+")


def _error(code: int, text: str) -> dict[str, Any]:
    return {"status": "ERROR", "status_code": code, "status_text": text}


def fake_sms_app(gateway: FakeSmsGateway | None = None) -> FastAPI:
    """The fake gateway's HTTP API over `gateway` (a fresh one when not given)."""
    state = gateway or FakeSmsGateway()
    app = FastAPI(title="Fake SMS gateway (SMS.ru-compatible)", docs_url="/docs")
    app.state.gateway = state

    @app.api_route("/sms/send", methods=["GET", "POST"])
    async def send(request: Request) -> JSONResponse:
        """SMS.ru's send: `api_id`, `to` (comma-separated digits), `msg`, `json=1`."""
        fields = dict(request.query_params)
        if request.method == "POST":
            fields |= dict(parse_qsl((await request.body()).decode(errors="replace")))
        if not fields.get("api_id"):
            return JSONResponse(_error(BAD_KEY_CODE, "Неправильный api_id"))
        phones = [e164(to) for to in fields.get("to", "").split(",") if to.strip()]
        if not phones:
            return JSONResponse(_error(BAD_NUMBER_CODE, "Неправильно указан получатель"))
        if not fields.get("msg"):
            return JSONResponse(_error(NO_TEXT_CODE, "Нет текста сообщения"))
        if state.throttled(phones):
            return JSONResponse(
                _error(429, "Too many messages to this number"),
                status_code=429,
                headers={"Retry-After": "1"},
            )
        outcomes = {phone[1:]: state.take(phone, fields["msg"]) for phone in phones}
        return JSONResponse(
            {"status": "OK", "status_code": 100, "sms": outcomes, "balance": BALANCE}
        )

    @app.get("/inbox")
    async def inbox(phone: str | None = None) -> list[InboxMessage]:
        """Every message taken, newest first; `?phone=` keeps one number's."""
        return state.inbox(phone)

    @app.get("/inbox/latest", responses={404: {"description": "nothing sent to this phone"}})
    async def latest(phone: str = Query(..., min_length=1)) -> InboxMessage:
        """The newest message to `phone`."""
        for message in state.inbox(phone):
            return message
        raise HTTPException(404, f"no message to {e164(phone)}")

    return app
