"""A real OpenID Connect provider for offline tests (oidc-provider-mock, served from a
thread on a free port), and the client side of signing in to it as the web front would:
the authorization code flow with PKCE, state and nonce.

    with OidcProvider.running() as provider:
        id_token = await provider.sign_in("staff-1", {"realm_access": {"roles": ["operator"]}})

What this provider does and does not do (0.3.4): any client id is accepted and must
authenticate at the token endpoint with a secret, any secret; its access tokens are
opaque, so the JWT that carries the claims is the ID token (audience: the client id) and
that is what the services are given; it accepts PKCE parameters but does not check the
verifier, so a test cannot rely on it refusing a wrong one.
"""

import base64
import hashlib
import importlib
import json
import secrets
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from joserfc import jws

WEB_CLIENT = "appeals-web"
"""The client id the web front signs people in with (the ID token's audience)."""
CLIENT_SECRET = "any-secret"
REDIRECT_URI = "http://localhost/signed-in"
"""Where the provider sends the browser back; never fetched, the code is read off it."""


@dataclass(frozen=True)
class OidcProvider:
    configuration: Mapping[str, Any]
    """Its discovery document (`/.well-known/openid-configuration`)."""

    @classmethod
    @contextmanager
    def running(cls) -> Iterator["OidcProvider"]:
        """A provider serving until the block ends (its thread is stopped then)."""
        with warnings.catch_warnings():
            # It imports authlib.jose and authlib's httpx client, both deprecated by authlib,
            # whose import of `authlib.deprecate` makes its warnings "always" shown: first that
            # import, then the filter that silences them.
            importlib.import_module("authlib.deprecate")
            warnings.simplefilter("ignore", DeprecationWarning)
            from oidc_provider_mock import run_server_in_thread  # type: ignore[import-untyped]

        with run_server_in_thread(port=0) as server:
            discovery = f"http://localhost:{server.server_port}/.well-known/openid-configuration"
            response = httpx.get(discovery, timeout=10.0)
            response.raise_for_status()
            yield cls(response.json())

    @property
    def issuer(self) -> str:
        return str(self.configuration["issuer"])

    @property
    def jwks_url(self) -> str:
        return str(self.configuration["jwks_uri"])

    async def sign_in(
        self, subject: str, claims: Mapping[str, Any], *, client_id: str = WEB_CLIENT
    ) -> str:
        """The ID token of `subject` (whose account at the provider carries `claims`) after
        signing in through `client_id`."""
        verifier = secrets.token_urlsafe(48)
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        authorization = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile",
            "state": state,
            "nonce": nonce,
            "code_challenge": _s256(verifier),
            "code_challenge_method": "S256",
        }
        endpoint = str(self.configuration["authorization_endpoint"])
        async with httpx.AsyncClient(timeout=10.0) as http:
            account = await http.put(f"{self.issuer}/users/{subject}", json=dict(claims))
            account.raise_for_status()
            # The provider's sign-in page; the person says who they are by posting its form.
            (await http.get(endpoint, params=authorization)).raise_for_status()
            consent = await http.post(endpoint, params=authorization, data={"sub": subject})
            assert consent.status_code == 302, consent.text
            back = parse_qs(urlsplit(consent.headers["location"]).query)
            assert back["state"] == [state], "the provider answered another sign-in"
            tokens = await http.post(
                str(self.configuration["token_endpoint"]),
                data={
                    "grant_type": "authorization_code",
                    "code": back["code"][0],
                    "redirect_uri": REDIRECT_URI,
                    "code_verifier": verifier,
                },
                auth=(client_id, CLIENT_SECRET),
            )
            tokens.raise_for_status()
        id_token = str(tokens.json()["id_token"])
        assert _claims_of(id_token)["nonce"] == nonce, "an ID token of another sign-in"
        return id_token


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _claims_of(token: str) -> dict[str, Any]:
    """The claims of a JWT, unverified (the services verify it; the client only checks
    that it answers its own request)."""
    claims: dict[str, Any] = json.loads(jws.extract_compact(token.encode()).payload)
    return claims


def tampered(token: str, **claims: Any) -> str:
    """`token` with `claims` changed and its signature kept (as a forger would)."""
    header, _, signature = token.split(".")
    payload = json.dumps({**_claims_of(token), **claims}).encode()
    forged = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"
