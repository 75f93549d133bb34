"""Who may call what: every endpoint of every service has an access rule, and the rules
are the ones below (role × endpoint → allowed / denied), checked by calling each endpoint
with a token of each role. A new endpoint without a rule, or missing from this table,
fails here."""

from collections.abc import Iterator
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from contracts.declarations import declared_services
from services.access import rules_of
from services.adapters import Adapters
from services.clock import SystemClock
from services.discovery import app_factory, settings_class
from services.identity import JwtVerifier, Role
from services.local_issuer import LocalIssuer
from services.staff_roles import NoStaffGrants

R = Role
ANYONE = "anyone"
CITY = {R.OPERATOR, R.MODERATOR, R.CURATOR, R.ADMIN}
EXECUTOR_STAFF = {R.EXECUTOR_DISPATCHER, R.EXECUTOR_WORKER}
OWN = "uk-1"
"""The organisation of the executor staff's tokens; the paths name it."""

EXPECTED: dict[tuple[str, str, str], set[Role] | str] = {
    ("intake", "POST", "/appeals"): {R.CITIZEN},
    ("intake", "GET", "/appeals/{appeal_id}"): ANYONE,
    ("intake", "GET", "/categories"): ANYONE,
    ("intake", "GET", "/channels"): ANYONE,
    ("intake", "POST", "/appeals/{appeal_id}/clarification"): {R.CITIZEN},
    ("intake", "POST", "/appeals/{appeal_id}/verdict"): {R.CITIZEN},
    ("intake", "POST", "/auth/phone/start"): ANYONE,
    ("intake", "POST", "/auth/phone/verify"): ANYONE,
    ("intake", "GET", "/.well-known/jwks.json"): ANYONE,
    ("intake", "GET", "/moderation/queue"): {R.MODERATOR, R.ADMIN},
    ("intake", "GET", "/moderation/reasons"): {R.MODERATOR, R.ADMIN},
    ("intake", "POST", "/moderation/{appeal_id}/approve"): {R.MODERATOR, R.ADMIN},
    ("intake", "POST", "/moderation/{appeal_id}/reject"): {R.MODERATOR, R.ADMIN},
    ("intake", "POST", "/moderation/{appeal_id}/question"): {R.MODERATOR, R.ADMIN},
    ("intake", "PUT", "/moderation/{appeal_id}/public-text"): {R.MODERATOR, R.ADMIN},
    ("intake", "POST", "/appeals/{appeal_id}/photos"): {R.CITIZEN},
    ("intake", "GET", "/appeals/{appeal_id}/photos"): ANYONE,
    ("intake", "GET", "/photos/{photo_id}"): ANYONE,
    ("intake", "GET", "/photos/{photo_id}/thumbnail"): ANYONE,
    ("intake", "PUT", "/photos/{photo_id}/publication"): {R.MODERATOR, R.ADMIN},
    ("router", "GET", "/routing/decisions/{appeal_id}"): CITY,
    ("router", "GET", "/routing/rules"): CITY,
    ("router", "GET", "/routing/manual"): {R.OPERATOR, R.CURATOR, R.ADMIN},
    ("router", "POST", "/routing/manual/{appeal_id}"): {R.OPERATOR, R.ADMIN},
    ("executor-gateway", "GET", "/executors/{executor_id}/assignments"): EXECUTOR_STAFF
    | {R.OPERATOR, R.CURATOR, R.ADMIN},
    ("executor-gateway", "GET", "/executors/{executor_id}/assignments/{appeal_id}"): EXECUTOR_STAFF
    | {R.OPERATOR, R.CURATOR, R.ADMIN},
    ("executor-gateway", "POST", "/executors/{executor_id}/assignments/{appeal_id}/accept"): (
        EXECUTOR_STAFF
    ),
    ("executor-gateway", "POST", "/executors/{executor_id}/assignments/{appeal_id}/resolve"): (
        EXECUTOR_STAFF
    ),
    ("executor-gateway", "POST", "/executors/{executor_id}/assignments/{appeal_id}/redirect"): (
        EXECUTOR_STAFF
    ),
    ("executor-gateway", "POST", "/executors/{executor_id}/assignments/{appeal_id}/acknowledge"): (
        EXECUTOR_STAFF
    ),
    ("executor-gateway", "POST", "/executors/{executor_id}/assignments/{appeal_id}/clarify"): (
        EXECUTOR_STAFF
    ),
    ("executor-gateway", "POST", "/executors/{executor_id}/assignments/{appeal_id}/reject"): (
        EXECUTOR_STAFF
    ),
    ("executor-gateway", "POST", "/executors/{executor_id}/assignments/{appeal_id}/ask"): (
        EXECUTOR_STAFF
    ),
    ("executor-gateway", "POST", "/executors/{executor_id}/assignments/{appeal_id}/close"): (
        EXECUTOR_STAFF
    ),
    (
        "executor-gateway",
        "POST",
        "/executors/{executor_id}/assignments/{appeal_id}/answer-rejection",
    ): {R.OPERATOR, R.CURATOR, R.ADMIN},
    ("executor-gateway", "GET", "/rejection-reasons"): EXECUTOR_STAFF | CITY,
    ("executor-gateway", "POST", "/executors/{executor_id}/assignments/{appeal_id}/photos"): (
        EXECUTOR_STAFF
    ),
    ("executor-gateway", "GET", "/executors/{executor_id}/assignments/{appeal_id}/photos"): (
        EXECUTOR_STAFF | {R.OPERATOR, R.CURATOR, R.ADMIN}
    ),
    ("executor-gateway", "GET", "/answers/{appeal_id}/photos"): ANYONE,
    ("executor-gateway", "GET", "/answer-photos/{photo_id}"): ANYONE,
    ("executor-gateway", "GET", "/answer-photos/{photo_id}/thumbnail"): ANYONE,
    ("staff-directory", "PUT", "/staff"): {R.ADMIN},
    ("staff-directory", "GET", "/staff"): {R.ADMIN},
    ("staff-directory", "GET", "/staff/{member_id}"): {R.ADMIN},
    ("staff-directory", "DELETE", "/staff/{member_id}"): {R.ADMIN},
    ("comments", "POST", "/appeals/{appeal_id}/comments"): set(Role),
    ("comments", "GET", "/appeals/{appeal_id}/comments"): ANYONE,
    ("comments", "POST", "/appeals/{appeal_id}/comments/{comment_id}/photos"): set(Role),
    ("comments", "GET", "/photos/{photo_id}"): ANYONE,
    ("comments", "GET", "/photos/{photo_id}/thumbnail"): ANYONE,
    ("sla-tracker", "GET", "/sla/appeals/{appeal_id}"): EXECUTOR_STAFF | CITY,
    ("sla-tracker", "GET", "/sla/overdue"): EXECUTOR_STAFF | CITY,
}
OPERATIONS = {"/health/live", "/health/ready", "/metrics"}
"""Public by rule; who can reach them is the deployment's business (internal network)."""

ISSUER = LocalIssuer.generate()


def app_of(service: str) -> FastAPI:
    declaration = next(d for d in declared_services() if d.name == service)
    settings = settings_class(declaration)(
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none", log_format="console"
    )
    verifier = JwtVerifier([ISSUER.trusted()], SystemClock())
    adapters = Adapters(identity=verifier, staff_grants=NoStaffGrants())
    return app_factory(declaration)(settings, adapters)


APPS = {d.name: app_of(d.name) for d in declared_services()}


def test_every_endpoint_has_a_rule_and_a_row_in_this_table() -> None:
    seen = set()
    for service, app in APPS.items():
        for (method, path), rule in rules_of(app).items():
            assert rule is not None, f"{service} {method} {path} has no access rule"
            if path in OPERATIONS:
                assert rule.public
                continue
            assert (service, method, path) in EXPECTED, f"{service} {method} {path}: add a row"
            expected = EXPECTED[service, method, path]
            assert rule.public == (expected == ANYONE), (service, method, path)
            if expected != ANYONE:
                assert set(rule.roles) == expected, (service, method, path)
            seen.add((service, method, path))
    assert seen == set(EXPECTED), f"rows for endpoints that do not exist: {set(EXPECTED) - seen}"


def cases() -> Iterator[tuple[str, str, str, Role | None]]:
    for service, method, path in EXPECTED:
        for role in [None, *Role]:
            yield service, method, path, role


def concrete(path: str) -> str:
    return path.replace("{appeal_id}", str(uuid4())).replace("{executor_id}", OWN)


@pytest.mark.parametrize(
    ("service", "method", "path", "role"),
    list(cases()),
    ids=lambda v: v.value if isinstance(v, Role) else (v or "anonymous"),
)
async def test_each_role_is_let_in_or_turned_away_as_the_table_says(
    service: str, method: str, path: str, role: Role | None
) -> None:
    expected = EXPECTED[service, method, path]
    headers = {}
    if role is not None:
        organisation = OWN if role in EXECUTOR_STAFF else None
        token = ISSUER.token(f"{role}-1", [role], organisation=organisation)
        headers["Authorization"] = f"Bearer {token}"
    transport = httpx.ASGITransport(app=APPS[service], raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.request(method, concrete(path), headers=headers, json={})
    allowed = expected == ANYONE or (role is not None and role in expected)
    if allowed:
        assert response.status_code not in (401, 403), response.text
    elif role is None:
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"].startswith("Bearer")
    else:
        assert response.status_code == 403, response.text


@pytest.mark.parametrize(
    "method_path",
    [
        k[1:]
        for k, v in EXPECTED.items()
        if k[0] == "executor-gateway" and "{executor_id}" in k[2] and R.EXECUTOR_DISPATCHER in v
    ],
)
async def test_executor_staff_reach_only_their_own_organisation(
    method_path: tuple[str, str],
) -> None:
    method, path = method_path
    token = ISSUER.token("dispatcher-2", [R.EXECUTOR_DISPATCHER], organisation="uk-2")
    transport = httpx.ASGITransport(app=APPS["executor-gateway"], raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.request(
            method, concrete(path), headers={"Authorization": f"Bearer {token}"}, json={}
        )
    assert response.status_code == 403, response.text
    assert "do not work for" in response.text


async def test_a_forged_or_expired_token_is_turned_away_with_401() -> None:
    forger = LocalIssuer.generate()  # the same issuer name, another key
    expired = ISSUER.token("op", [R.OPERATOR], lifetime_s=1, now=0)
    transport = httpx.ASGITransport(app=APPS["router"], raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for token in (forger.token("op", [R.ADMIN]), expired, "not-a-token"):
            response = await client.get(
                "/routing/manual", headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 401, response.text
