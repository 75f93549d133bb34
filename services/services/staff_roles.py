"""Roles from the staff directory: every service keeps the grants an administrator made
(`StaffRolesSet` on the compacted `identity.staff-roles`) in its own `staff_roles` table,
and completes each verified caller's token roles with them.

Token claims win where both speak: the table adds roles (never more than the token's
issuer may grant, and never to a citizens' issuer) and gives the organisation only to a
token that names none.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol
from uuid import UUID

from sqlalchemy import Column, DateTime, Text
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlmodel import Field
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.events import StaffRolesSet
from contracts.roles import STAFF, Role
from services.db import Database
from services.identity import Principal, TokenVerifier, TrustedIssuer
from services.schema import ChassisTable


class StaffRolesRow(ChassisTable, table=True):
    """The latest grant of one staff member, as the directory published it."""

    __tablename__ = "staff_roles"

    member_id: UUID = Field(primary_key=True)
    roles: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    organisation: str | None = Field(default=None, max_length=64)
    set_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    """When the administrator set it (the event's time): an older event never wins."""


async def record_staff_roles(event: StaffRolesSet, session: AsyncSession) -> None:
    grant = event.payload
    row = {
        "member_id": grant.member_id,
        "roles": sorted(grant.roles),
        "organisation": grant.organisation,
        "set_at": event.occurred_at,
    }
    table = StaffRolesRow.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(row)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.member_id],
        set_={k: statement.excluded[k] for k in ("roles", "organisation", "set_at")},
        where=table.c.set_at <= statement.excluded.set_at,
    )
    await session.exec(statement)


STAFF_ROLE_HANDLERS = {StaffRolesSet: record_staff_roles}


@dataclass(frozen=True)
class StaffGrant:
    roles: frozenset[Role]
    organisation: str | None = None


class StaffGrants(Protocol):
    async def of(self, member_id: UUID) -> StaffGrant | None:
        """What the directory grants the member (None: nothing)."""


@dataclass(frozen=True)
class StoredStaffGrants:
    """The grants as this service's `staff_roles` table keeps them."""

    db: Database

    async def of(self, member_id: UUID) -> StaffGrant | None:
        async with self.db.session() as session:
            row = await session.get(StaffRolesRow, member_id)
        if row is None:
            return None
        known = frozenset(Role(r) for r in row.roles if r in Role.__members__.values())
        return StaffGrant(known, row.organisation)


class NoStaffGrants:
    """Nobody is granted anything (tests of token claims alone)."""

    async def of(self, member_id: UUID) -> StaffGrant | None:
        return None


@dataclass
class WithStaffRoles:
    """A token verifier whose principals also hold the roles the directory grants them."""

    verifier: TokenVerifier
    grants: StaffGrants
    issuers: Sequence[TrustedIssuer] = ()
    """The trusted issuers (what each may grant); an issuer not listed here — a test's
    fake verifier — may be granted any staff role."""
    _grantable: Mapping[str, frozenset[Role]] = field(init=False)

    def __post_init__(self) -> None:
        self._grantable = {i.issuer: frozenset(i.grants) & STAFF for i in self.issuers}

    async def verify(self, token: str) -> Principal:
        principal = await self.verifier.verify(token)
        grantable = self._grantable.get(principal.issuer, STAFF)
        if not grantable:  # a citizens' issuer: nothing the directory says applies
            return principal
        grant = await self.grants.of(principal.pseudonym)
        if grant is None:
            return principal
        return replace(
            principal,
            roles=principal.roles | (grant.roles & grantable),
            organisation=principal.organisation or grant.organisation,
        )
