"""Staff and citizens sign in through a real OpenID Connect provider (run locally, offline):
the authorization code flow with PKCE, then the chassis verifies the provider's ID token
against its published keys, taking roles and organisation from the claims, and a service
lets the caller in or turns them away by them."""

from collections.abc import Iterator
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from contracts.declarations import declared_services
from services.adapters import Adapters
from services.clock import SystemClock
from services.discovery import app_factory, settings_class
from services.identity import JwtVerifier, Principal, Role, TrustedIssuer, Unauthenticated
from services.staff_roles import NoStaffGrants
from tests.integration.oidc_provider import WEB_CLIENT, OidcProvider, tampered

pytestmark = pytest.mark.filterwarnings(
    # The provider (oidc-provider-mock 0.3.4) calls APIs authlib has deprecated.
    "ignore::DeprecationWarning:authlib"
)

DISPATCHER = {"realm_access": {"roles": ["executor_dispatcher", "offline_access"]}}
"""Keycloak-style claims: realm roles (some not ours) under `realm_access.roles`."""


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with OidcProvider.running() as running:
        yield running


def staff_issuer(provider: OidcProvider) -> TrustedIssuer:
    """The provider as the staff's identity provider (the city's Keycloak)."""
    return TrustedIssuer(
        issuer=provider.issuer,
        audience=WEB_CLIENT,
        jwks_url=provider.jwks_url,
        roles_claim="realm_access.roles",
        organisation_claim="organisation",
    )


def citizens_issuer(provider: OidcProvider) -> TrustedIssuer:
    """The provider as a citizens' identity provider (the state ID service)."""
    return TrustedIssuer(
        issuer=provider.issuer,
        audience=WEB_CLIENT,
        jwks_url=provider.jwks_url,
        grants=[Role.CITIZEN],
        default_roles=[Role.CITIZEN],
    )


def verifier(issuer: TrustedIssuer) -> JwtVerifier:
    return JwtVerifier([issuer], SystemClock())


async def test_staff_get_the_roles_and_organisation_their_token_claims(
    provider: OidcProvider,
) -> None:
    token = await provider.sign_in(
        "dispatcher-7", {**DISPATCHER, "organisation": "uk-1", "name": "Иванова А. П."}
    )
    principal = await verifier(staff_issuer(provider)).verify(token)
    assert principal == Principal(
        subject="dispatcher-7",
        issuer=provider.issuer,
        roles=frozenset({Role.EXECUTOR_DISPATCHER}),
        organisation="uk-1",
        name="Иванова А. П.",
    )
    assert principal.works_for("uk-1")


async def test_a_citizen_is_only_a_citizen_whatever_the_token_claims(
    provider: OidcProvider,
) -> None:
    claims = {"roles": ["admin"], "realm_access": {"roles": ["admin"]}, "organisation": "uk-1"}
    citizens = verifier(citizens_issuer(provider))
    first = await citizens.verify(await provider.sign_in("citizen-42", claims))
    assert first.roles == {Role.CITIZEN}
    assert not first.works_for("uk-1")
    again = await citizens.verify(await provider.sign_in("citizen-42", claims))
    assert again.pseudonym == first.pseudonym, "the same person, the same pseudonym"


async def test_a_token_the_provider_issued_to_another_client_is_refused(
    provider: OidcProvider,
) -> None:
    token = await provider.sign_in(
        "operator-1", {"realm_access": {"roles": ["operator"]}}, client_id="another-app"
    )
    with pytest.raises(Unauthenticated, match="aud"):
        await verifier(staff_issuer(provider)).verify(token)


@pytest.fixture(scope="module")
def gateway(provider: OidcProvider) -> FastAPI:
    """The executor gateway trusting the provider for its staff (no database behind it:
    a caller let past the access rule gets the database's absence, not 401 or 403)."""
    declaration = next(d for d in declared_services() if d.name == "executor-gateway")
    settings = settings_class(declaration)(
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none", log_format="console"
    )
    identity = verifier(staff_issuer(provider))
    adapters = Adapters(identity=identity, staff_grants=NoStaffGrants())
    return app_factory(declaration)(settings, adapters)


async def call(app: FastAPI, method: str, path: str, token: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(
            method, path, headers={"Authorization": f"Bearer {token}"}, json={}
        )


async def test_a_service_admits_staff_by_the_providers_token(
    provider: OidcProvider, gateway: FastAPI
) -> None:
    dispatcher = await provider.sign_in("dispatcher-1", {**DISPATCHER, "organisation": "uk-1"})
    own = await call(gateway, "GET", "/executors/uk-1/assignments", dispatcher)
    assert own.status_code == 503, own.text  # past the access rule, to the absent database
    other = await call(gateway, "GET", "/executors/uk-2/assignments", dispatcher)
    assert other.status_code == 403, other.text
    assert "do not work for" in other.text


async def test_a_service_refuses_a_role_the_rule_does_not_name(
    provider: OidcProvider, gateway: FastAPI
) -> None:
    moderator = await provider.sign_in("moderator-1", {"realm_access": {"roles": ["moderator"]}})
    response = await call(gateway, "GET", "/executors/uk-1/assignments", moderator)
    assert response.status_code == 403, response.text
    operator = await provider.sign_in("operator-2", {"realm_access": {"roles": ["operator"]}})
    accept = f"/executors/uk-1/assignments/{uuid4()}/accept"
    response = await call(gateway, "POST", accept, operator)
    assert response.status_code == 403, response.text


async def test_a_service_refuses_a_tampered_token(provider: OidcProvider, gateway: FastAPI) -> None:
    dispatcher = await provider.sign_in("dispatcher-2", {**DISPATCHER, "organisation": "uk-2"})
    moved = tampered(dispatcher, organisation="uk-1")
    response = await call(gateway, "GET", "/executors/uk-1/assignments", moved)
    assert response.status_code == 401, response.text
    moderator = await provider.sign_in("moderator-2", {"realm_access": {"roles": ["moderator"]}})
    promoted = tampered(moderator, realm_access={"roles": ["admin"]})
    response = await call(gateway, "GET", "/executors/uk-1/assignments", promoted)
    assert response.status_code == 401, response.text
