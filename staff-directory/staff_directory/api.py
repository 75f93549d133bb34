"""The staff directory's HTTP API: administrators grant, read and revoke staff roles."""

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import BaseModel, Field, StringConstraints

from contracts.identifiers import ExecutorId
from contracts.roles import Role
from contracts.text import STORABLE
from services.access import allow
from services.http_limits import Offset
from services.http_responses import errors, invalid
from services.identity import Principal
from services.request_bodies import RequestBody
from services.runtime import from_app_state
from staff_directory.directory import Directory
from staff_directory.domain.grants import Grant, GrantRefused, OwnRolesRefused
from staff_directory.store import repository
from staff_directory.store.repository import MemberNotFound
from staff_directory.store.tables import StaffMemberRow

router = APIRouter(prefix="/staff", tags=["staff"])

Service = Annotated[Directory, Depends(from_app_state(Directory, "directory"))]
Admin = Annotated[Principal, Depends(allow(Role.ADMIN))]

T = TypeVar("T")


class GrantIn(RequestBody):
    issuer: Annotated[str, StringConstraints(min_length=1, max_length=500), STORABLE] = Field(
        description="the `iss` of the person's tokens: a trusted identity provider"
    )
    subject: Annotated[str, StringConstraints(min_length=1, max_length=255), STORABLE] = Field(
        description="the person's `sub` at that provider"
    )
    roles: set[Role] = Field(
        min_length=1, max_length=len(Role), description="every role they hold from now on"
    )
    organisation: ExecutorId | None = Field(
        default=None, description="the executor organisation (executor roles only)"
    )
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), STORABLE] | None
    ) = Field(default=None, description="for people reading the directory")


class StaffMemberOut(BaseModel):
    member_id: UUID = Field(description="the person's pseudonym (uuid5 of issuer and subject)")
    issuer: str
    subject: str
    name: str | None
    roles: list[Role]
    organisation: str | None
    updated_by: str
    updated_at: datetime

    @classmethod
    def of(cls, row: StaffMemberRow) -> "StaffMemberOut":
        return cls(
            member_id=row.member_id,
            issuer=row.issuer,
            subject=row.subject,
            name=row.name,
            roles=[Role(r) for r in row.roles],
            organisation=row.organisation,
            updated_by=row.updated_by,
            updated_at=row.updated_at,
        )


async def _decided(change: Awaitable[T]) -> T:
    """Run a change; the rules' refusals become 422 (a bad grant), 403 (one's own roles)
    or 404 (nobody by that id)."""
    try:
        return await change
    except GrantRefused as error:
        raise invalid(("body", error.field), str(error), "grant_refused") from error
    except OwnRolesRefused as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(error)) from error
    except MemberNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from error


@router.put("", response_model=StaffMemberOut)
async def set_roles(body: GrantIn, service: Service, caller: Admin) -> StaffMemberOut:
    """Give a person exactly these roles (replacing any given before). Every service
    applies them to the person's tokens within moments; token claims stay as they are."""
    grant = Grant(
        issuer=body.issuer,
        subject=body.subject,
        roles=frozenset(body.roles),
        organisation=body.organisation,
        name=body.name,
    )
    return StaffMemberOut.of(await _decided(service.set_roles(grant, caller)))


@router.get("", response_model=list[StaffMemberOut])
async def list_members(
    service: Service,
    _caller: Admin,
    role: Role | None = None,
    organisation: ExecutorId | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[StaffMemberOut]:
    """Staff with granted roles, by subject; optionally holding `role` or working for
    `organisation`."""
    async with service.db.session() as session:
        rows = await repository.members(
            session, role=role, organisation=organisation, limit=limit, offset=offset
        )
    return [StaffMemberOut.of(r) for r in rows]


@router.get("/{member_id}", response_model=StaffMemberOut, responses=errors(404))
async def get_member(member_id: UUID, service: Service, _caller: Admin) -> StaffMemberOut:
    """One staff member's granted roles."""
    async with service.db.session() as session:
        return StaffMemberOut.of(await _decided(repository.get(session, member_id)))


@router.delete("/{member_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(404))
async def revoke(member_id: UUID, service: Service, caller: Admin) -> Response:
    """Take every granted role away from the person (their token claims stay)."""
    await _decided(service.revoke(member_id, caller))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
