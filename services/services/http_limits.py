"""What every HTTP API refuses before it does any work, and how it says so.

- A body larger than `MAX_BODY_BYTES` is answered 413 before it is read whole: at once
  when its `Content-Length` says so, or as soon as the streamed bytes pass the limit. A
  service allows more on the routes that need it (a photo upload) by a path regex:
  `install_request_limits(app, larger_bodies={r"/appeals/[^/]+/photos": 10 * MiB})`.
- A malformed request is answered 422 with a reason per field, but the `detail` never
  echoes a large input back: strings are cut to `MAX_ECHO_CHARS`, containers too big to
  echo are left out, and values JSON cannot carry (NaN, lone surrogates) are spelled out.
- Paging offsets are bounded (`Offset`), so no number past what the database takes
  reaches a query.
"""

import json
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024
"""The largest request body a service reads: an appeal or an answer is a few kB."""

MAX_ECHO_CHARS = 200
"""How much of an offending input a 422 repeats."""

MAX_OFFSET = 10_000_000
"""The deepest a client may page (beyond it, filter instead)."""

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="how many items to skip (paging)")]


class BodyTooLarge(HTTPException):
    """The request body passed the limit (FastAPI answers it as any HTTPException)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


class BodySizeLimit:
    """ASGI middleware: 413 for a body over `max_bytes` — or over the limit of the first
    `larger_bodies` regex matching the whole path — never reading more than that."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = MAX_BODY_BYTES,
        larger_bodies: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger_bodies = [(re.compile(p), n) for p, n in (larger_bodies or {}).items()]

    def limit_of(self, path: str) -> int:
        """The largest body a request to `path` may send."""
        for pattern, limit in self.larger_bodies:
            if pattern.fullmatch(path):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope["path"])
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(limit, scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await _too_large(limit, scope, receive, send)


async def _too_large(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse(
        {"detail": str(BodyTooLarge(limit).detail)},
        status_code=413,
        headers={"Connection": "close"},
    )
    await response(scope, receive, send)


async def bounded_validation_error(_request: Request, error: Exception) -> JSONResponse:
    """FastAPI's 422 (`{"detail": [{loc, msg, type, input, ctx}]}`), its echo bounded."""
    assert isinstance(error, RequestValidationError)
    return JSONResponse({"detail": [_bounded(e) for e in error.errors()]}, status_code=422)


def _bounded(error: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "loc": [p if isinstance(p, int) else _text(str(p)) for p in error.get("loc", ())],
        "msg": _text(str(error.get("msg", "")), limit=2 * MAX_ECHO_CHARS),
        "type": _text(str(error.get("type", ""))),
    }
    if "input" in error and (echo := _echo(error["input"])) is not _OMITTED:
        out["input"] = echo
    if ctx := error.get("ctx"):
        out["ctx"] = {_text(str(k)): v if _echo(v) == v else _text(str(v)) for k, v in ctx.items()}
    return out


_OMITTED = object()


def _echo(value: Any) -> Any:
    """`value` as a 422 may repeat it: short, and something JSON can carry."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return _text(value)
    try:
        encoded = json.dumps(value, allow_nan=False, ensure_ascii=False).encode()
    except (TypeError, ValueError):  # NaN, a lone surrogate, an object JSON has no form for
        return _OMITTED
    return value if len(encoded) <= MAX_ECHO_CHARS else _OMITTED


def _text(value: str, limit: int = MAX_ECHO_CHARS) -> str:
    """At most `limit` characters of `value`, lone surrogates escaped as `\\udXXX`."""
    cut = value if len(value) <= limit else value[:limit] + "…"
    return cut.encode("utf-8", "backslashreplace").decode("utf-8")


def install_request_limits(
    app: FastAPI,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    larger_bodies: Mapping[str, int] | None = None,
) -> None:
    """Install on `app` the body size limit (`larger_bodies`: path regex → the limit on
    the paths it matches whole) and the bounded 422."""
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes, larger_bodies=larger_bodies)
    app.add_exception_handler(RequestValidationError, bounded_validation_error)
