"""The error answers every HTTP API shares, documented once for all of its routes.

A route declares only what is its own (`responses=errors(404, 409)`); the runtime gives
the app `COMMON_RESPONSES` — 400, 413 and 503, which any route can answer — for every route. FastAPI
documents 422 itself on every route that takes parameters or a body.
"""

from collections.abc import Sequence
from typing import Any

from fastapi import HTTPException, status
from pydantic import BaseModel


class Problem(BaseModel):
    """An error answer: what went wrong, in words."""

    detail: str


ERROR_DESCRIPTIONS = {
    400: "the body could not be read as JSON (not UTF-8)",
    404: "no such resource",
    409: "not allowed in the resource's current state",
    413: "request body too large",
    503: "the database or the message broker does not answer; retry after `Retry-After` s",
}


def error(code: int, description: str | None = None) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for one error `code` answered with a `Problem`."""
    return {code: {"model": Problem, "description": description or ERROR_DESCRIPTIONS[code]}}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for error `codes` answered with a `Problem`."""
    return {code: response for c in codes for code, response in error(c).items()}


COMMON_RESPONSES = errors(400, 413, 503)
"""What any route can answer whatever it does."""


def invalid(loc: Sequence[str | int], msg: str, error_type: str) -> HTTPException:
    """A 422 for a value the domain refused, shaped as FastAPI's own validation errors."""
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"loc": list(loc), "msg": msg, "type": error_type}],
    )
