"""What an administrator may grant, decided before anything is stored or published.

A grant names a person by their identity provider (`issuer`) and their id there
(`subject`), and gives them staff roles — executor roles always for one organisation.
It is refused when:
- it gives `citizen` (citizens sign in, nobody grants it) or no role at all;
- the issuer is not one the platform trusts, or may not vouch for such roles (a citizens'
  issuer, phone sign-in, never holds staff roles);
- executor roles come without an organisation, or an organisation without them;
- the administrator grants or revokes their own roles (nobody raises themselves, and the
  last administrator cannot lock everyone out by mistake).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from contracts.roles import EXECUTOR_STAFF, STAFF, Role
from services.identity import Principal, TrustedIssuer, pseudonym


class GrantRefused(ValueError):
    """The grant breaks a rule (HTTP 422)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


class OwnRolesRefused(PermissionError):
    """An administrator tried to change their own roles (HTTP 403)."""


@dataclass(frozen=True)
class Grant:
    issuer: str
    subject: str
    roles: frozenset[Role]
    organisation: str | None = None
    name: str | None = None

    @property
    def member_id(self) -> UUID:
        return pseudonym(self.issuer, self.subject)


def check_grant(grant: Grant, by: Principal, issuers: Iterable[TrustedIssuer]) -> None:
    """Raise `GrantRefused` or `OwnRolesRefused` unless `by` may make `grant`."""
    check_not_own(grant.member_id, by)
    if not grant.roles:
        raise GrantRefused("roles", "give at least one role (to revoke them all, DELETE)")
    if not grant.roles <= STAFF:
        raise GrantRefused("roles", "citizen is not granted: citizens sign in themselves")
    trusted: Mapping[str, TrustedIssuer] = {i.issuer: i for i in issuers}
    issuer = trusted.get(grant.issuer)
    if issuer is None:
        raise GrantRefused("issuer", f"{grant.issuer!r} is not a trusted identity provider")
    beyond = grant.roles - frozenset(issuer.grants)
    if beyond:
        raise GrantRefused(
            "roles", f"{grant.issuer!r} may not vouch for {', '.join(sorted(beyond))}"
        )
    executor_roles = grant.roles & EXECUTOR_STAFF
    if executor_roles and grant.organisation is None:
        raise GrantRefused("organisation", "executor roles are held for an organisation")
    if grant.organisation is not None and not executor_roles:
        raise GrantRefused("organisation", "only executor staff belong to an organisation")


def check_not_own(member_id: UUID, by: Principal) -> None:
    if member_id == by.pseudonym:
        raise OwnRolesRefused("you cannot change your own roles; ask another administrator")
