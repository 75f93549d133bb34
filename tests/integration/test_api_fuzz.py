"""Schemathesis over every declared service's OpenAPI: whatever a client sends, no 5xx,
and every answer's status code, content type and body are the ones the document promises.

The services run in one process over the in-memory broker with real PostgreSQL (fresh
databases with the demo city, so the cases they file touch no other test's data), served
by uvicorn on local ports from a thread of their own; schemathesis calls them over HTTP
with a token carrying every role. The documents fuzzed are the checked-in openapi.json
files, which `make schemas` keeps equal to what the apps serve.
"""

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from contracts.declarations import declared_services
from services.clock import SystemClock
from services.identity import Role
from services.local_issuer import LocalIssuer
from services.testing import InProcessPlatform, ServiceDatabases
from tests.infrastructure import REPO

CITY = REPO / "deploy" / "demo-city"
DOCUMENTS = {
    declaration.name: schemathesis.openapi.from_path(REPO / declaration.folder / "openapi.json")
    for declaration in declared_services()
}
SERVICE_AT = {schema.location: name for name, schema in DOCUMENTS.items()}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
STARTUP_TIMEOUT_S = 180


@dataclass
class ServedPlatform:
    """The services' base URLs, and a token every one of them believes."""

    token: str
    urls: dict[str, str] = field(default_factory=dict)
    started: threading.Event = field(default_factory=threading.Event)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    loop: asyncio.AbstractEventLoop | None = None
    error: BaseException | None = None


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


async def _serve(served: ServedPlatform, issuer: LocalIssuer, postgres_url: str) -> None:
    databases = ServiceDatabases(postgres_url, CITY)
    platform = InProcessPlatform(databases, clock=SystemClock(), issuer=issuer)
    async with platform:
        servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []
        for name, running in platform.running.items():
            sock = _listening_socket()
            config = uvicorn.Config(running.app, lifespan="off", log_level="warning")
            server = uvicorn.Server(config)
            servers.append((server, asyncio.create_task(server.serve(sockets=[sock]))))
            host, port = sock.getsockname()
            served.urls[name] = f"http://{host}:{port}"
        # uvicorn says it is listening only through the `started` flag
        while not all(server.started for server, _ in servers):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        served.loop = asyncio.get_running_loop()
        served.started.set()
        await served.stop.wait()
        for server, _ in servers:
            server.should_exit = True
        await asyncio.gather(*(task for _, task in servers))


@pytest.fixture(scope="module")
def served(postgres_url: str) -> Iterator[ServedPlatform]:
    issuer = LocalIssuer.generate()
    executor = json.loads((CITY / "executors.json").read_text())[0]["id"]
    token = issuer.token("fuzzer", list(Role), organisation=executor, name="Schemathesis")
    served = ServedPlatform(token)

    def run() -> None:
        try:
            asyncio.run(_serve(served, issuer, postgres_url))
        except BaseException as error:
            served.error = error
        finally:
            served.started.set()

    thread = threading.Thread(target=run, name="served-platform", daemon=True)
    thread.start()
    served.started.wait(timeout=STARTUP_TIMEOUT_S)
    if served.loop is None or served.error is not None:
        raise RuntimeError("the services did not start") from served.error
    try:
        yield served
    finally:
        served.loop.call_soon_threadsafe(served.stop.set)
        thread.join(timeout=60)


@schemathesis.pytest.parametrize(**DOCUMENTS)
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_server_error_and_every_answer_documented(
    case: Case[Any], served: ServedPlatform
) -> None:
    service = SERVICE_AT[case.operation.schema.location]
    case.call_and_validate(
        base_url=served.urls[service],
        headers={"Authorization": f"Bearer {served.token}"},
        checks=CHECKS,
        timeout=30,
    )
