"""Principals hold their token's roles and what the staff directory grants them."""

from uuid import UUID

from contracts.roles import Role
from services.identity import Principal, TrustedIssuer
from services.staff_roles import StaffGrant, WithStaffRoles

STAFF_IDP = TrustedIssuer(
    issuer="https://sso.city",
    jwks={"keys": []},
    grants=[Role.OPERATOR, Role.EXECUTOR_DISPATCHER, Role.EXECUTOR_WORKER],
)
PHONE = TrustedIssuer(issuer="https://intake.city", jwks={"keys": []}, grants=[Role.CITIZEN])


class TokenSays:
    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    async def verify(self, token: str) -> Principal:
        return self.principal


class Granted:
    def __init__(self, grants: dict[UUID, StaffGrant]) -> None:
        self.grants = grants
        self.asked: list[UUID] = []

    async def of(self, member_id: UUID) -> StaffGrant | None:
        self.asked.append(member_id)
        return self.grants.get(member_id)


def person(issuer: TrustedIssuer = STAFF_IDP, **fields: object) -> Principal:
    values: dict[str, object] = {"subject": "anna", "issuer": issuer.issuer, "roles": frozenset()}
    return Principal(**{**values, **fields})  # type: ignore[arg-type]


async def verified(principal: Principal, grants: dict[UUID, StaffGrant]) -> Principal:
    verifier = WithStaffRoles(TokenSays(principal), Granted(grants), [STAFF_IDP, PHONE])
    return await verifier.verify("token")


async def test_granted_roles_join_the_tokens_own() -> None:
    anna = person(roles=frozenset({Role.EXECUTOR_WORKER}), organisation="uk-1")
    seen = await verified(anna, {anna.pseudonym: StaffGrant(frozenset({Role.OPERATOR}))})
    assert seen.roles == {Role.EXECUTOR_WORKER, Role.OPERATOR}
    assert seen.organisation == "uk-1"


async def test_the_directory_gives_the_organisation_to_a_token_without_one() -> None:
    anna = person()
    grant = StaffGrant(frozenset({Role.EXECUTOR_DISPATCHER}), "uk-2")
    seen = await verified(anna, {anna.pseudonym: grant})
    assert seen.works_for("uk-2")


async def test_the_tokens_organisation_wins_over_the_directorys() -> None:
    anna = person(roles=frozenset({Role.EXECUTOR_DISPATCHER}), organisation="uk-1")
    grant = StaffGrant(frozenset({Role.EXECUTOR_DISPATCHER}), "uk-2")
    seen = await verified(anna, {anna.pseudonym: grant})
    assert seen.organisation == "uk-1"


async def test_nothing_beyond_what_the_issuer_may_vouch_for() -> None:
    anna = person()
    grant = StaffGrant(frozenset({Role.OPERATOR, Role.ADMIN}))
    assert (await verified(anna, {anna.pseudonym: grant})).roles == {Role.OPERATOR}


async def test_a_citizens_issuer_is_never_looked_up() -> None:
    citizen = person(PHONE, roles=frozenset({Role.CITIZEN}))
    grants = Granted({citizen.pseudonym: StaffGrant(frozenset({Role.OPERATOR}))})
    verifier = WithStaffRoles(TokenSays(citizen), grants, [STAFF_IDP, PHONE])
    assert (await verifier.verify("token")).roles == {Role.CITIZEN}
    assert grants.asked == []


async def test_without_a_grant_the_token_alone_speaks() -> None:
    anna = person(roles=frozenset({Role.OPERATOR}))
    assert await verified(anna, {}) == anna
