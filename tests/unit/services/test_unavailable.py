"""While its database is down an HTTP API answers 503 with Retry-After, never 500."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.unavailable import RETRY_AFTER_S, answer_503_while_unavailable
from tests.unit.services.faults import pool_exhausted, refused_by_server


def app_raising(error: Exception) -> TestClient:
    app = FastAPI()
    answer_503_while_unavailable(app)

    @app.post("/appeals")
    async def submit() -> None:
        raise error

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    "error",
    [
        refused_by_server("57P03", "the database system is starting up"),
        ConnectionRefusedError(111, "Connection refused"),
        pool_exhausted(),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_dependency_that_is_down_gets_503_with_retry_after(error: Exception) -> None:
    response = app_raising(error).post("/appeals")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_S)
    assert "retry" in response.json()["detail"]


@pytest.mark.parametrize(
    "error",
    [refused_by_server("3D000", 'database "appeals" does not exist'), ValueError("a bug")],
    ids=lambda e: type(e).__name__,
)
def test_any_other_fault_is_still_a_server_error(error: Exception) -> None:
    response = app_raising(error).post("/appeals")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
