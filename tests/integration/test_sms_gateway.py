"""The SMS adapter over real HTTP against the fake gateway as `make up` runs it: a process
started by `python -m services fake-sms`, read back through its inbox."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.sms import HttpSmsGateway, SmsRejected
from tests.infrastructure import REPO, free_port
from tests.waiting import eventually

REFUSED = "+79990000000"


@pytest.fixture(scope="module")
def fake_gateway_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log_path = tmp_path_factory.mktemp("fake-sms") / "fake-sms.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "services",
                "fake-sms",
                "--port",
                str(port),
                "--refuse",
                REFUSED,
            ],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        eventually(
            lambda: _answers(f"{url}/inbox") or _died(process, log_path),
            timeout_s=60,
            what=f"the fake SMS gateway on port {port}",
            diagnose=log_path.read_text,
        )
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def _died(process: subprocess.Popen[bytes], log_path: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"the fake SMS gateway exited: {log_path.read_text()}")
    return False


async def test_a_code_sent_through_the_adapter_is_in_the_developers_inbox(
    fake_gateway_url: str,
) -> None:
    phone = "+79141230001"
    async with HttpSmsGateway(fake_gateway_url, "local") as gateway:
        first = await gateway.send(phone, "Код: 111111")
        second = await gateway.send(phone, "Код: 222222")

    async with httpx.AsyncClient(base_url=fake_gateway_url) as developer:
        latest = (await developer.get("/inbox/latest", params={"phone": phone})).json()
        inbox = (await developer.get("/inbox", params={"phone": phone})).json()
    assert (latest["sms_id"], latest["text"]) == (second, "Код: 222222")
    assert [m["sms_id"] for m in inbox] == [second, first]


async def test_a_number_the_gateway_refuses_is_rejected_and_never_delivered(
    fake_gateway_url: str,
) -> None:
    async with HttpSmsGateway(fake_gateway_url, "local") as gateway:
        with pytest.raises(SmsRejected, match="207"):
            await gateway.send(REFUSED, "Код: 333333")

    async with httpx.AsyncClient(base_url=fake_gateway_url) as developer:
        missing = await developer.get("/inbox/latest", params={"phone": REFUSED})
    assert missing.status_code == 404
