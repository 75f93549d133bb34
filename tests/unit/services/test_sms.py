"""The SMS.ru adapter: what it sends, how it reads every answer shape, what it logs; and the
fake gateway `make up` runs, which the adapter must work against like the real one."""

import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import structlog
from structlog.testing import LogCapture

import services.sms as sms_module
from services.fake_sms import FakeSmsGateway, fake_sms_app
from services.sms import HttpSmsGateway, SmsRejected, SmsUnavailable, masked

PHONE = "+79141234567"
TEXT = "Код для входа: 482915"
API_KEY = "s3cret-api-key"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> FakeSmsGateway:
    return FakeSmsGateway(refused=["+79990000000"], per_second=2, clock=clock)


@pytest.fixture
async def gateway(fake: FakeSmsGateway) -> AsyncIterator[HttpSmsGateway]:
    transport = httpx.ASGITransport(app=fake_sms_app(fake))
    async with HttpSmsGateway("http://fake-sms", API_KEY, transport=transport) as gateway:
        yield gateway


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> LogCapture:
    capture = LogCapture()
    monkeypatch.setattr(sms_module, "log", structlog.wrap_logger(None, processors=[capture]))
    return capture


def answering(
    status: int = 200, body: Any = None, headers: dict[str, str] | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        content = body if isinstance(body, str) else json.dumps(body)
        return httpx.Response(status, content=content.encode(), headers=headers)

    return handle


def over(handler: Callable[[httpx.Request], httpx.Response]) -> HttpSmsGateway:
    return HttpSmsGateway("http://gateway", API_KEY, transport=httpx.MockTransport(handler))


# ------------------------------------------------------------------ against the fake gateway


async def test_a_sent_text_lands_in_the_fake_inbox_under_the_returned_id(
    gateway: HttpSmsGateway, fake: FakeSmsGateway
) -> None:
    sms_id = await gateway.send(PHONE, TEXT)

    [message] = fake.inbox(PHONE)
    assert (message.sms_id, message.phone, message.text) == (sms_id, PHONE, TEXT)


async def test_a_refused_number_is_rejected_with_the_gateways_code(
    gateway: HttpSmsGateway, fake: FakeSmsGateway
) -> None:
    with pytest.raises(SmsRejected, match="207"):
        await gateway.send("+79990000000", TEXT)
    assert fake.inbox() == []


async def test_an_empty_key_is_rejected(fake: FakeSmsGateway) -> None:
    transport = httpx.ASGITransport(app=fake_sms_app(fake))
    async with HttpSmsGateway("http://fake-sms", "", transport=transport) as gateway:
        with pytest.raises(SmsRejected, match="200"):
            await gateway.send(PHONE, TEXT)


async def test_too_many_a_second_to_one_phone_is_a_rate_limit_that_passes(
    gateway: HttpSmsGateway, fake: FakeSmsGateway, clock: Clock
) -> None:
    await gateway.send(PHONE, "one")
    await gateway.send(PHONE, "two")
    with pytest.raises(SmsUnavailable) as limited:
        await gateway.send(PHONE, "three")
    assert limited.value.transient
    assert limited.value.retry_after_s == 1.0
    await gateway.send("+79140000000", "another phone is not limited")

    clock.now += 1.0
    await gateway.send(PHONE, "four")
    assert [m.text for m in fake.inbox(PHONE)] == ["four", "two", "one"]


async def test_the_inbox_lists_newest_first_and_filters_by_phone(
    gateway: HttpSmsGateway, fake: FakeSmsGateway
) -> None:
    await gateway.send(PHONE, "first")
    await gateway.send("+79140000000", "other")
    await gateway.send(PHONE, "second")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake_sms_app(fake)), base_url="http://fake-sms"
    ) as developer:
        everything = (await developer.get("/inbox")).json()
        mine = (await developer.get("/inbox", params={"phone": PHONE})).json()
        latest = await developer.get("/inbox/latest", params={"phone": PHONE})
        nothing = await developer.get("/inbox/latest", params={"phone": "+79149999999"})

    assert [m["text"] for m in everything] == ["second", "other", "first"]
    assert [m["text"] for m in mine] == ["second", "first"]
    assert latest.json()["text"] == "second"
    assert nothing.status_code == 404


# ------------------------------------------------------------------ every answer shape


async def test_the_request_is_smsru_s_form_with_the_key_out_of_the_url() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "status": "OK",
                "status_code": 100,
                "sms": {"79141234567": {"status": "OK", "status_code": 100, "sms_id": "77-1"}},
                "balance": 10.5,
            },
        )

    async with over(handle) as gateway:
        assert await gateway.send(PHONE, TEXT) == "77-1"

    [request] = seen
    assert (request.method, request.url.path, request.url.query) == ("POST", "/sms/send", b"")
    form = {k: v for k, [v] in parse_qs(request.content.decode()).items()}
    assert form == {"api_id": API_KEY, "to": "79141234567", "msg": TEXT, "json": "1"}


@pytest.mark.parametrize(
    ("status", "body", "headers", "retry_after_s"),
    [
        (429, {"status": "ERROR"}, {"Retry-After": "7"}, 7.0),
        (503, "<html>Service Unavailable</html>", None, None),
        (500, "", None, None),
        (200, "<html>a captive portal</html>", None, None),
        (200, {"status": "OK", "status_code": 100, "sms": {}}, None, None),
        (
            200,
            {"status": "ERROR", "status_code": 220, "status_text": "Сервис недоступен"},
            None,
            None,
        ),
        (
            200,
            {"status": "ERROR", "status_code": 201, "status_text": "Не хватает средств"},
            None,
            None,
        ),
        (
            200,
            {
                "status": "OK",
                "status_code": 100,
                "sms": {"79141234567": {"status": "ERROR", "status_code": 230}},
            },
            None,
            None,
        ),
    ],
    ids=["429", "503", "500", "not-json", "no-outcome", "code-220", "code-201", "code-230"],
)
async def test_answers_worth_retrying_are_unavailable(
    status: int, body: Any, headers: dict[str, str] | None, retry_after_s: float | None
) -> None:
    async with over(answering(status, body, headers)) as gateway:
        with pytest.raises(SmsUnavailable) as failed:
            await gateway.send(PHONE, TEXT)
    assert failed.value.transient
    assert failed.value.retry_after_s == retry_after_s


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (200, {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}, "200"),
        (
            200,
            {
                "status": "OK",
                "status_code": 100,
                "sms": {"79141234567": {"status": "ERROR", "status_code": 209}},
            },
            "209",
        ),
        (404, "Not Found", "HTTP 404"),
    ],
    ids=["bad-key", "stop-list", "wrong-url"],
)
async def test_final_refusals_are_rejected_naming_the_code(
    status: int, body: Any, code: str
) -> None:
    async with over(answering(status, body)) as gateway:
        with pytest.raises(SmsRejected, match=code) as failed:
            await gateway.send(PHONE, TEXT)
    assert not failed.value.transient


@pytest.mark.parametrize(
    "fault", [httpx.ReadTimeout("slow"), httpx.ConnectError("refused")], ids=["timeout", "down"]
)
async def test_a_gateway_out_of_reach_is_unavailable(fault: httpx.TransportError) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise fault

    async with over(handle) as gateway:
        with pytest.raises(SmsUnavailable):
            await gateway.send(PHONE, TEXT)


# ------------------------------------------------------------------ logs


async def test_logs_show_a_masked_phone_and_the_id_never_the_text(
    gateway: HttpSmsGateway, logs: LogCapture
) -> None:
    sms_id = await gateway.send(PHONE, TEXT)
    with pytest.raises(SmsRejected):
        await gateway.send("+79990000000", TEXT)

    assert [(e["phone"], e.get("sms_id")) for e in logs.entries] == [
        ("+7914***4567", sms_id),
        ("+7999***0000", None),
    ]
    written = repr(logs.entries)
    for secret in ("482915", PHONE, API_KEY):
        assert secret not in written


def test_masking_keeps_the_country_and_operator_and_the_last_four_digits() -> None:
    assert masked("+79141234567") == "+7914***4567"
    assert masked("+4930123") == "***"
