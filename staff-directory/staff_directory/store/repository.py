"""Reads and writes of the staff directory's table; callers own the transaction."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.roles import Role
from staff_directory.store.tables import StaffMemberRow


class MemberNotFound(LookupError):
    pass


async def put(session: AsyncSession, row: StaffMemberRow) -> StaffMemberRow:
    values = row.model_dump()
    statement = insert(StaffMemberRow).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["member_id"],
        set_={k: v for k, v in values.items() if k != "member_id"},
    )
    await session.exec(statement)
    return row


async def remove(session: AsyncSession, member_id: UUID) -> StaffMemberRow:
    row = await get(session, member_id)
    await session.exec(delete(StaffMemberRow).where(col(StaffMemberRow.member_id) == member_id))
    return row


async def get(session: AsyncSession, member_id: UUID) -> StaffMemberRow:
    row = await session.get(StaffMemberRow, member_id)
    if row is None:
        raise MemberNotFound(f"no staff member {member_id}")
    return row


async def members(
    session: AsyncSession,
    *,
    role: Role | None,
    organisation: str | None,
    limit: int,
    offset: int,
) -> Sequence[StaffMemberRow]:
    query = select(StaffMemberRow)
    if role is not None:
        query = query.where(col(StaffMemberRow.roles).contains([role.value]))
    if organisation is not None:
        query = query.where(col(StaffMemberRow.organisation) == organisation)
    query = query.order_by(func.lower(col(StaffMemberRow.subject)), col(StaffMemberRow.member_id))
    return (await session.exec(query.limit(limit).offset(offset))).all()
