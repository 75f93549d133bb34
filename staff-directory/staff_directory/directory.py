"""What administrators do with the directory; each change stages the member's whole grant
(`StaffRolesSet`) in the same transaction, for every service to apply."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid4

from contracts.events import StaffRolesSet, StaffRolesSetPayload
from contracts.roles import Role
from contracts.topics import STAFF_ROLES
from services.clock import Clock
from services.db import Database
from services.identity import Principal, TrustedIssuer
from services.outbox import stage
from staff_directory.declaration import SERVICE
from staff_directory.domain.grants import Grant, check_grant, check_not_own
from staff_directory.store import repository
from staff_directory.store.tables import StaffMemberRow


class Directory:
    def __init__(self, db: Database, clock: Clock, issuers: Sequence[TrustedIssuer]) -> None:
        self.db = db
        self._clock = clock
        self._issuers = issuers

    async def set_roles(self, grant: Grant, by: Principal) -> StaffMemberRow:
        """Give the member exactly `grant.roles` (replacing what they had)."""
        check_grant(grant, by, self._issuers)
        now = self._clock.now()
        row = StaffMemberRow(
            member_id=grant.member_id,
            issuer=grant.issuer,
            subject=grant.subject,
            name=grant.name,
            roles=sorted(grant.roles),
            organisation=grant.organisation,
            updated_by=by.label,
            updated_at=now,
        )
        async with self.db.transaction() as session:
            row = await repository.put(session, row)
            stage(session, _announcement(row, grant.roles, by, now), STAFF_ROLES)
        return row

    async def revoke(self, member_id: UUID, by: Principal) -> None:
        """Take every granted role away (the token's own claims stay what they are)."""
        check_not_own(member_id, by)
        async with self.db.transaction() as session:
            row = await repository.remove(session, member_id)
            stage(session, _announcement(row, frozenset(), by, self._clock.now()), STAFF_ROLES)


def _announcement(
    row: StaffMemberRow, roles: frozenset[Role], by: Principal, at: datetime
) -> StaffRolesSet:
    return StaffRolesSet(
        producer=SERVICE.name,
        correlation_id=uuid4(),
        occurred_at=at,
        payload=StaffRolesSetPayload(
            member_id=row.member_id,
            issuer=row.issuer,
            subject=row.subject,
            roles=roles,
            organisation=row.organisation if roles else None,
            set_by=by.label,
        ),
    )
