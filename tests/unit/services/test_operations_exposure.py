"""Docs and metrics can be kept off the public API (as the Kubernetes manifests do)."""

import httpx
import pytest

from contracts.declarations import declared_services
from services.discovery import app_factory, settings_class

DECLARATION = declared_services()[0]
NOWHERE = "postgresql+asyncpg://nobody@127.0.0.1:1/none"


async def get(path: str, **overrides: object) -> int:
    settings = settings_class(DECLARATION).model_validate(
        {"database_url": NOWHERE, "log_format": "console", **overrides}
    )
    app = app_factory(DECLARATION)(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return (await client.get(path)).status_code


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
async def test_docs_are_served_unless_disabled(path: str) -> None:
    assert await get(path) == 200
    assert await get(path, docs_enabled=False) == 404


async def test_metrics_leave_the_api_when_given_a_port_of_their_own() -> None:
    assert await get("/metrics") == 200
    assert await get("/metrics", metrics_port=9100) == 404
