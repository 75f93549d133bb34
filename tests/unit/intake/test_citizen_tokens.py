"""Intake as the citizens' identity provider: its key, its JWKS, and what the other
services make of its tokens; and phone sign-in without an SMS gateway."""

import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from intake.app import create_app
from intake.citizen_tokens import CitizenTokens
from intake.settings import IntakeSettings
from services.clock import FakeClock
from services.identity import JwtVerifier, Role, TrustedIssuer, Unauthenticated

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NOWHERE = "postgresql+asyncpg://nobody@127.0.0.1:1/none"


def test_the_key_file_is_made_private_once_and_reused(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "intake.jwk"
    first = CitizenTokens.with_key_file(str(key_file), "http://intake", 3600)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = CitizenTokens.with_key_file(str(key_file), "http://intake", 3600)
    assert again.jwks() == first.jwks()
    assert "d" not in first.jwks()["keys"][0], "the JWKS must hold no private part"


def app(**settings: Any) -> FastAPI:
    return create_app(IntakeSettings(database_url=NOWHERE, log_format="console", **settings))


async def call(app: FastAPI, method: str, path: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
        return await client.request(method, path, **kwargs)


async def test_other_services_believe_intakes_tokens_through_its_jwks(tmp_path: Path) -> None:
    """The `IDENTITY_ISSUERS` entry every service gets for intake."""
    key_file = tmp_path / "intake.jwk"
    intake = app(token_key_file=str(key_file), public_base_url="https://appeals.example/intake/")
    tokens = CitizenTokens.with_key_file(str(key_file), "https://appeals.example/intake", 3600)
    entry = TrustedIssuer.model_validate(
        {
            "issuer": "https://appeals.example/intake",
            "jwks_url": "https://appeals.example/intake/.well-known/jwks.json",
            "grants": ["citizen"],
            "default_roles": ["citizen"],
        }
    )

    async def fetch(url: str) -> Any:
        assert url == entry.jwks_url
        return (await call(intake, "GET", "/.well-known/jwks.json")).json()

    verifier = JwtVerifier([entry], FakeClock(NOW), fetch=fetch)
    citizen = uuid4()
    principal = await verifier.verify(tokens.issue(citizen, NOW))
    assert (principal.subject, principal.roles) == (str(citizen), frozenset({Role.CITIZEN}))
    stranger = CitizenTokens.with_key_file("", "https://appeals.example/intake", 3600)
    with pytest.raises(Unauthenticated):
        await verifier.verify(stranger.issue(citizen, NOW))


async def test_without_an_sms_gateway_no_code_is_promised() -> None:
    intake = app(sms_base_url="")
    down = await call(intake, "POST", "/auth/phone/start", json={"phone": "+79141234567"})
    assert down.status_code == 503
    assert down.json()["detail"] == "no SMS gateway configured"
    assert "Retry-After" in down.headers
    not_a_phone = await call(intake, "POST", "/auth/phone/start", json={"phone": "+7 000"})
    assert not_a_phone.status_code == 422


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", "１２３４５６"])
async def test_a_code_is_six_ascii_digits(code: str) -> None:
    answer = await call(
        app(), "POST", "/auth/phone/verify", json={"challenge_id": str(uuid4()), "code": code}
    )
    assert answer.status_code == 422, answer.text
