"""What an administrator may grant in the staff directory."""

import pytest

from contracts.roles import Role
from services.identity import Principal, TrustedIssuer
from staff_directory.domain.grants import Grant, GrantRefused, OwnRolesRefused, check_grant

STAFF_IDP = TrustedIssuer(issuer="https://sso.city", jwks={"keys": []})
PHONE = TrustedIssuer(
    issuer="https://intake.city",
    jwks={"keys": []},
    grants=[Role.CITIZEN],
    default_roles=[Role.CITIZEN],
)
ISSUERS = [STAFF_IDP, PHONE]
ADMIN = Principal(subject="admin-1", issuer=STAFF_IDP.issuer, roles=frozenset({Role.ADMIN}))


def grant(**changes: object) -> Grant:
    fields: dict[str, object] = {
        "issuer": STAFF_IDP.issuer,
        "subject": "anna",
        "roles": frozenset({Role.OPERATOR}),
    }
    return Grant(**{**fields, **changes})  # type: ignore[arg-type]


def refusal(g: Grant) -> GrantRefused:
    with pytest.raises(GrantRefused) as refused:
        check_grant(g, ADMIN, ISSUERS)
    return refused.value


def test_an_administrator_makes_a_staff_member_an_operator() -> None:
    check_grant(grant(), ADMIN, ISSUERS)


def test_executor_staff_are_granted_for_their_organisation() -> None:
    check_grant(
        grant(roles=frozenset({Role.EXECUTOR_DISPATCHER}), organisation="uk-1"), ADMIN, ISSUERS
    )


def test_citizen_is_never_granted() -> None:
    assert refusal(grant(roles=frozenset({Role.CITIZEN, Role.OPERATOR}))).field == "roles"


def test_a_grant_without_roles_is_refused() -> None:
    assert "DELETE" in str(refusal(grant(roles=frozenset())))


def test_only_a_trusted_identity_provider_is_named() -> None:
    assert refusal(grant(issuer="https://evil.example")).field == "issuer"


def test_a_citizens_issuer_cannot_vouch_for_staff() -> None:
    """A phone sign-in account never becomes an operator."""
    refused = refusal(grant(issuer=PHONE.issuer))
    assert refused.field == "roles"
    assert "operator" in str(refused)


def test_executor_roles_need_an_organisation_and_only_they_have_one() -> None:
    assert refusal(grant(roles=frozenset({Role.EXECUTOR_WORKER}))).field == "organisation"
    assert refusal(grant(organisation="uk-1")).field == "organisation"


def test_an_administrator_cannot_change_their_own_roles() -> None:
    with pytest.raises(OwnRolesRefused):
        check_grant(grant(subject=ADMIN.subject, roles=frozenset({Role.ADMIN})), ADMIN, ISSUERS)
