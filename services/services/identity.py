"""Who is calling: bearer tokens verified once, for every service.

A token (a JWT) is believed when an issuer the platform trusts signed it (its JWKS), it
names this platform as its audience and it is current (expiry, not-before, issued-at,
with a configurable clock skew). It then becomes a `Principal`: the subject, the roles
(from a claim of the token, capped by what that issuer may grant) and, for executor
staff, the organisation. Citizens' issuers (intake's phone sign-in, the state ID service)
may grant only `citizen`; the staff's identity provider grants staff roles.

The verifier is an adapter (`services.adapters.Adapters.identity`): tests pass one that
trusts a key they hold; production reads `IDENTITY_ISSUERS`.
"""

import asyncio
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID, uuid5

import httpx
import structlog
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from pydantic import BaseModel, Field, model_validator

from contracts.roles import CITY_STAFF, EXECUTOR_STAFF, Role
from services.clock import Clock

log = structlog.get_logger(__name__)

__all__ = [  # Role and the staff sets live in contracts (events carry them); kept here too
    "ALGORITHMS",
    "CITY_STAFF",
    "EXECUTOR_STAFF",
    "PSEUDONYMS",
    "JwtVerifier",
    "Principal",
    "Role",
    "TokenVerifier",
    "TrustedIssuer",
    "Unauthenticated",
    "pseudonym",
]

ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]
"""Asymmetric signatures only: a shared secret would let every service mint tokens."""


PSEUDONYMS = UUID("6f1d8c52-3a4b-5e0f-9d7a-2c1b0e9f8a71")
"""Namespace of the pseudonymous person ids (uuid5 of issuer and subject)."""


def pseudonym(issuer: str, subject: str) -> UUID:
    """The pseudonymous id of the person `subject` at `issuer`."""
    return uuid5(PSEUDONYMS, f"{issuer}\n{subject}")


class Unauthenticated(Exception):
    """The caller could not be identified (HTTP 401)."""


@dataclass(frozen=True)
class Principal:
    subject: str
    issuer: str
    roles: frozenset[Role]
    organisation: str | None = None
    """The executor organisation of executor staff."""
    name: str | None = None

    @property
    def label(self) -> str:
        """Who, for records people read: "Name (subject)"."""
        return (f"{self.name} ({self.subject})" if self.name else self.subject)[:200]

    @property
    def pseudonym(self) -> UUID:
        """A stable pseudonymous id of the person (events carry it, never the person)."""
        return pseudonym(self.issuer, self.subject)

    def has_any(self, roles: frozenset[Role]) -> bool:
        return not self.roles.isdisjoint(roles)

    def works_for(self, organisation: str) -> bool:
        return self.organisation == organisation and self.has_any(EXECUTOR_STAFF)


class TrustedIssuer(BaseModel):
    """An identity provider whose tokens the platform believes, and what they may say."""

    issuer: str = Field(description="the `iss` of its tokens")
    audience: str = Field(default="appeals-platform", description="the `aud` they must carry")
    jwks_url: str | None = Field(default=None, description="where its signing keys are")
    jwks: dict[str, Any] | None = Field(default=None, description="or the keys themselves")
    roles_claim: str = Field(
        default="roles", description="dotted path of the roles claim (`realm_access.roles`)"
    )
    organisation_claim: str = Field(default="organisation")
    name_claim: str = Field(default="name")
    grants: list[Role] = Field(
        default_factory=lambda: list(Role), description="the roles its tokens may carry"
    )
    default_roles: list[Role] = Field(
        default_factory=list, description="roles every token of this issuer has (citizen)"
    )

    @model_validator(mode="after")
    def has_keys(self) -> "TrustedIssuer":
        if (self.jwks_url is None) == (self.jwks is None):
            raise ValueError(f"issuer {self.issuer}: give exactly one of jwks_url and jwks")
        return self


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal:
        """The principal the token names; raises `Unauthenticated` if it cannot be believed."""


@dataclass
class _Keys:
    keys: KeySet
    fetched_at: float


@dataclass
class JwtVerifier:
    """Verifies JWTs from the trusted issuers; fetches and caches each one's JWKS, fetching
    again (at most every `refetch_s`) when a token names a key it does not know."""

    issuers: Sequence[TrustedIssuer]
    clock: Clock
    leeway_s: int = 60
    refetch_s: float = 30.0
    fetch: Callable[[str], Any] | None = None
    """Fetches a JWKS document by URL (default: an HTTP GET); injectable for tests."""
    _by_issuer: dict[str, TrustedIssuer] = field(init=False)
    _keys: dict[str, _Keys] = field(init=False, default_factory=dict)
    _lock: asyncio.Lock = field(init=False, default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self._by_issuer = {i.issuer: i for i in self.issuers}
        # Keys given inline are imported once, not per token.
        for issuer in self.issuers:
            if issuer.jwks is not None:
                keys = KeySet.import_key_set(issuer.jwks)  # type: ignore[arg-type]
                self._keys[issuer.issuer] = _Keys(keys, math.inf)

    async def verify(self, token: str) -> Principal:
        issuer = self._issuer_of(token)
        keys = await self._keys_of(issuer, refresh=False)
        try:
            decoded = self._decode(token, keys)
        except JoseError as error:
            if issuer.jwks_url is None:
                raise Unauthenticated(f"invalid token: {error}") from error
            # The issuer may have rotated its keys: look again (at most every refetch_s).
            try:
                decoded = self._decode(token, await self._keys_of(issuer, refresh=True))
            except JoseError as again:
                raise Unauthenticated(f"invalid token: {again}") from again
        claims = decoded.claims
        registry = jwt.JWTClaimsRegistry(
            now=lambda: int(self.clock.now().timestamp()),
            leeway=self.leeway_s,
            iss={"essential": True, "value": issuer.issuer},
            aud={"essential": True, "value": issuer.audience},
            exp={"essential": True},
            sub={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as error:
            raise Unauthenticated(f"token refused: {error}") from error
        return _principal(issuer, claims)

    def _issuer_of(self, token: str) -> TrustedIssuer:
        """The issuer the token claims to come from (read before its signature is checked,
        only to know whose keys check it)."""
        try:
            claims = json.loads(jws.extract_compact(token.encode()).payload)
        except (JoseError, ValueError, TypeError, UnicodeError) as error:
            raise Unauthenticated("not a signed JWT") from error
        named = str(claims.get("iss")) if isinstance(claims, dict) else ""
        issuer = self._by_issuer.get(named)
        if issuer is None:
            raise Unauthenticated(f"tokens of issuer {named[:200]!r} are not trusted")
        return issuer

    @staticmethod
    def _decode(token: str, keys: KeySet) -> jwt.Token:
        return jwt.decode(token, keys, algorithms=ALGORITHMS)

    async def _keys_of(self, issuer: TrustedIssuer, *, refresh: bool) -> KeySet:
        if issuer.jwks is not None:
            return self._keys[issuer.issuer].keys
        assert issuer.jwks_url is not None
        async with self._lock:
            cached = self._keys.get(issuer.issuer)
            fresh_enough = cached and time.monotonic() - cached.fetched_at < self.refetch_s
            if cached and (not refresh or fresh_enough):
                return cached.keys
            try:
                document = await self._fetch(issuer.jwks_url)
                keys = KeySet.import_key_set(document)
            except (httpx.HTTPError, ValueError, JoseError) as error:
                if cached:
                    log.warning("keeping the old keys of an issuer", error=repr(error))
                    return cached.keys
                raise Unauthenticated(f"cannot fetch the keys of {issuer.issuer}") from error
            self._keys[issuer.issuer] = _Keys(keys, time.monotonic())
            return keys

    async def _fetch(self, url: str) -> Any:
        if self.fetch is not None:
            return await self.fetch(url)
        async with httpx.AsyncClient(timeout=5.0) as client:
            response = await client.get(url)
            response.raise_for_status()
            return response.json()


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _principal(issuer: TrustedIssuer, claims: Mapping[str, Any]) -> Principal:
    raw = _claim(claims, issuer.roles_claim)
    named = {str(r) for r in raw} if isinstance(raw, list) else set()
    known = {r.value for r in Role}
    roles = {Role(r) for r in named & known} | set(issuer.default_roles)
    granted = frozenset(r for r in roles if r in issuer.grants)
    organisation = _claim(claims, issuer.organisation_claim)
    name = _claim(claims, issuer.name_claim)
    return Principal(
        subject=str(claims["sub"]),
        issuer=issuer.issuer,
        roles=granted,
        organisation=str(organisation) if isinstance(organisation, str) else None,
        name=str(name)[:200] if isinstance(name, str) else None,
    )
