"""Tokens are believed only when a trusted issuer signed them for this platform, now."""

from datetime import UTC, datetime

import pytest

from services.clock import FakeClock
from services.identity import JwtVerifier, Principal, Role, Unauthenticated
from services.local_issuer import LocalIssuer

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def issuer() -> LocalIssuer:
    return LocalIssuer.generate("https://id.example.city")


def verifier(*issuers: LocalIssuer, leeway_s: int = 60, **trust: object) -> JwtVerifier:
    return JwtVerifier([i.trusted(**trust) for i in issuers], FakeClock(NOW), leeway_s=leeway_s)


async def test_a_token_of_a_trusted_issuer_names_its_principal(issuer: LocalIssuer) -> None:
    token = issuer.token(
        "staff-7",
        [Role.EXECUTOR_DISPATCHER],
        organisation="uk-1",
        name="Иванова",
        now=NOW.timestamp(),
    )
    principal = await verifier(issuer).verify(token)
    assert principal == Principal(
        subject="staff-7",
        issuer="https://id.example.city",
        roles=frozenset({Role.EXECUTOR_DISPATCHER}),
        organisation="uk-1",
        name="Иванова",
    )
    assert principal.works_for("uk-1")
    assert not principal.works_for("uk-2")


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"lifetime_s": 60, "now": NOW.timestamp() - 3600}, "exp"),
        ({"aud": "another-platform"}, "aud"),
        ({"nbf": int(NOW.timestamp()) + 3600}, "not yet valid"),
    ],
    ids=["expired", "other audience", "not yet valid"],
)
async def test_a_token_not_for_here_or_not_now_is_refused(
    issuer: LocalIssuer, claims: dict[str, object], reason: str
) -> None:
    options: dict[str, object] = {"now": NOW.timestamp(), **claims}
    token = issuer.token("u", [Role.OPERATOR], **options)  # type: ignore[arg-type]
    with pytest.raises(Unauthenticated, match=reason):
        await verifier(issuer).verify(token)


async def test_the_clock_skew_is_tolerated_up_to_the_leeway(issuer: LocalIssuer) -> None:
    token = issuer.token("u", [Role.OPERATOR], lifetime_s=60, now=NOW.timestamp() - 90)
    assert (await verifier(issuer, leeway_s=60).verify(token)).subject == "u"
    with pytest.raises(Unauthenticated):
        await verifier(issuer, leeway_s=10).verify(token)


async def test_a_token_of_an_unknown_issuer_or_forged_key_is_refused(issuer: LocalIssuer) -> None:
    stranger = LocalIssuer.generate("https://evil.example")
    with pytest.raises(Unauthenticated, match="not trusted"):
        await verifier(issuer).verify(stranger.token("u", [Role.ADMIN], now=NOW.timestamp()))
    impostor = LocalIssuer.generate("https://id.example.city")  # same name, other key
    with pytest.raises(Unauthenticated):
        await verifier(issuer).verify(impostor.token("u", [Role.ADMIN], now=NOW.timestamp()))


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "e30.e30.", "😀" * 10, "x" * 10_000])
async def test_garbage_is_refused_not_crashed_on(issuer: LocalIssuer, token: str) -> None:
    with pytest.raises(Unauthenticated):
        await verifier(issuer).verify(token)


async def test_an_issuer_grants_only_the_roles_it_may(issuer: LocalIssuer) -> None:
    token = issuer.token("citizen-1", [Role.ADMIN, "superuser"], now=NOW.timestamp())
    citizens_only = verifier(issuer, grants=[Role.CITIZEN], default_roles=[Role.CITIZEN])
    principal = await citizens_only.verify(token)
    assert principal.roles == frozenset({Role.CITIZEN})


async def test_roles_can_come_from_a_nested_claim(issuer: LocalIssuer) -> None:
    token = issuer.token(
        "op", now=NOW.timestamp(), realm_access={"roles": ["operator", "offline_access"]}
    )
    keycloak_like = verifier(issuer, roles_claim="realm_access.roles")
    assert (await keycloak_like.verify(token)).roles == frozenset({Role.OPERATOR})


async def test_keys_are_fetched_from_the_issuers_jwks_url_and_refetched_on_rotation() -> None:
    old, new = (
        LocalIssuer.generate("https://id.example.city"),
        LocalIssuer.generate("https://id.example.city"),
    )
    published = {"keys": old.trusted().jwks["keys"]}  # type: ignore[index]
    fetched: list[str] = []

    async def fetch(url: str) -> object:
        fetched.append(url)
        return published

    trust = old.trusted().model_copy(update={"jwks": None, "jwks_url": "https://id/jwks"})
    checker = JwtVerifier([trust], FakeClock(NOW), fetch=fetch, refetch_s=0)
    assert (await checker.verify(old.token("a", now=NOW.timestamp()))).subject == "a"
    assert (await checker.verify(old.token("b", now=NOW.timestamp()))).subject == "b"
    assert fetched == ["https://id/jwks"], "keys are cached"
    published["keys"] = new.trusted().jwks["keys"]  # type: ignore[index]
    assert (await checker.verify(new.token("c", now=NOW.timestamp()))).subject == "c"
    assert len(fetched) == 2
