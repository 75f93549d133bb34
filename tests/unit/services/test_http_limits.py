"""Request limits every service shares: big bodies get 413 unread, a 422 never echoes
a large input, and values JSON cannot carry never turn a 422 into a 500."""

import json
from typing import Annotated, Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel, StringConstraints
from starlette.types import Message

from contracts.geo import GeoPoint
from contracts.text import SafeText
from services.http_limits import MAX_BODY_BYTES, MAX_ECHO_CHARS, Offset, install_request_limits


class Note(BaseModel):
    category: Annotated[str, StringConstraints(pattern=r"^[a-z]{1,20}$")]
    text: SafeText
    location: GeoPoint | None = None


def limited_app() -> FastAPI:
    app = FastAPI()
    install_request_limits(app)

    @app.post("/notes")
    async def add(note: Note) -> dict[str, str]:
        return {"category": note.category}

    @app.get("/notes")
    async def page(offset: Offset = 0) -> dict[str, int]:
        return {"offset": offset}

    return app


class Upload:
    """An ASGI client side that sends `chunks` chunks of `size` bytes, counting reads."""

    def __init__(self, chunks: int, size: int = 64 * 1024) -> None:
        self.left, self.size, self.read = chunks, size, 0
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        self.left -= 1
        self.read += self.size
        return {"type": "http.request", "body": b"x" * self.size, "more_body": self.left > 0}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        start = next(m for m in self.sent if m["type"] == "http.response.start")
        return int(start["status"])

    @property
    def body(self) -> Any:
        return json.loads(b"".join(m.get("body", b"") for m in self.sent[1:]))


def post_scope(headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/notes",
        "raw_path": b"/notes",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }


async def test_a_declared_10_mb_body_gets_413_without_a_byte_read() -> None:
    upload = Upload(chunks=160)  # 10 MB
    scope = post_scope([(b"content-length", str(160 * upload.size).encode())])
    await limited_app()(scope, upload.receive, upload.send)
    assert upload.status == 413
    assert "larger than" in upload.body["detail"]
    assert upload.read == 0


async def test_a_streamed_body_is_cut_off_once_it_passes_the_limit() -> None:
    upload = Upload(chunks=1600)  # 100 MB, no Content-Length (chunked)
    await limited_app()(post_scope([]), upload.receive, upload.send)
    assert upload.status == 413
    assert upload.read <= MAX_BODY_BYTES + upload.size


def test_a_body_under_the_limit_is_served() -> None:
    client = TestClient(limited_app())
    response = client.post("/notes", json={"category": "pothole", "text": "x" * 10_000})
    assert response.status_code == 200


async def test_a_route_allowed_larger_bodies_takes_them_and_no_more() -> None:
    app = FastAPI()
    install_request_limits(app, larger_bodies={r"/photos/[0-9]+": 3 * MAX_BODY_BYTES})

    @app.post("/photos/{number}")
    async def photo(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    client = TestClient(app)
    two_mib = b"x" * (2 * MAX_BODY_BYTES)
    assert client.post("/photos/1", content=two_mib).json() == {"size": len(two_mib)}
    assert client.post("/photos/1/x", content=two_mib).status_code == 413  # whole path only
    assert client.post("/notes", content=two_mib).status_code == 413
    streamed = Upload(chunks=160)  # 10 MB, streamed
    scope = {**post_scope([]), "path": "/photos/1", "raw_path": b"/photos/1"}
    await app(scope, streamed.receive, streamed.send)
    assert streamed.status == 413
    assert str(3 * MAX_BODY_BYTES) in streamed.body["detail"]
    assert streamed.read <= 3 * MAX_BODY_BYTES + streamed.size


def test_a_422_for_a_large_field_stays_small_and_gives_the_reason() -> None:
    client = TestClient(limited_app())
    response = client.post("/notes", json={"category": "x" * 1_000_000, "text": "ok"})
    assert response.status_code == 422
    assert len(response.content) < 2 * MAX_ECHO_CHARS + 1000
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "category"]
    assert "pattern" in error["msg"]
    assert error["input"].startswith("xxx")
    assert len(error["input"]) <= MAX_ECHO_CHARS + 1


def test_a_large_body_that_is_not_an_object_is_not_echoed() -> None:
    client = TestClient(limited_app())
    response = client.post("/notes", json=["x" * 1000] * 500)
    assert response.status_code == 422
    assert len(response.content) < 2000
    assert "input" not in response.json()["detail"][0]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("text", "nul \x00 byte", "NUL"),
        ("text", "lone \ud800 surrogate", "surrogate"),
        ("location", {"lat": float("nan"), "lon": 0}, "finite"),
        ("location", {"lat": 0, "lon": float("inf")}, "finite"),
        ("location", {"lat": float("-inf"), "lon": 0}, "finite"),
    ],
    ids=["nul", "surrogate", "nan-lat", "inf-lon", "minus-inf-lat"],
)
def test_unstorable_values_get_422_with_a_reason(field: str, value: Any, reason: str) -> None:
    body = {"category": "pothole", "text": "ok", field: value}
    # what a client sends: Python's encoder writes NaN/Infinity, and "\ud800" escaped
    raw = json.dumps(body, allow_nan=True, ensure_ascii=True)
    response = TestClient(limited_app()).post(
        "/notes", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"][:2] == ["body", field]
    assert reason in error["msg"]


@pytest.mark.parametrize("offset", [2**63, 10_000_001, -1])
def test_an_offset_out_of_range_gets_422(offset: int) -> None:
    response = TestClient(limited_app()).get("/notes", params={"offset": offset})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "offset"]
