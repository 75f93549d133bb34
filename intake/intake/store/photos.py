"""Reads and writes of the appeals' photos; callers own the transaction."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.status import AppealStatus
from intake.domain.photo_access import PhotoOwner
from intake.store import repository
from intake.store.tables import AppealPhotoRow, AppealRow


class PhotoNotFound(LookupError):
    """No such photo (HTTP 404)."""


def owner_of(row: AppealRow) -> PhotoOwner:
    return PhotoOwner(row.citizen_id, row.executor_id, AppealStatus(row.status))


async def owner(session: AsyncSession, appeal_id: UUID, *, for_update: bool = False) -> PhotoOwner:
    """The appeal, for the rules (locked: photos added at once are counted one by one)."""
    return owner_of(await repository.get(session, appeal_id, for_update=for_update))


async def count(session: AsyncSession, appeal_id: UUID) -> int:
    statement = select(func.count()).select_from(AppealPhotoRow)
    return (await session.exec(statement.where(col(AppealPhotoRow.appeal_id) == appeal_id))).one()


async def photos(session: AsyncSession, appeal_id: UUID) -> Sequence[AppealPhotoRow]:
    """The appeal's photos, in the order they were added."""
    statement = (
        select(AppealPhotoRow)
        .where(col(AppealPhotoRow.appeal_id) == appeal_id)
        .order_by(col(AppealPhotoRow.added_at), col(AppealPhotoRow.photo_id))
    )
    return (await session.exec(statement)).all()


async def photo(
    session: AsyncSession, photo_id: UUID, *, for_update: bool = False
) -> tuple[AppealPhotoRow, PhotoOwner]:
    """The photo and its appeal; raises `PhotoNotFound`."""
    statement = (
        select(AppealPhotoRow, AppealRow)
        .join(AppealRow, col(AppealRow.id) == col(AppealPhotoRow.appeal_id))
        .where(col(AppealPhotoRow.photo_id) == photo_id)
    )
    if for_update:
        statement = statement.with_for_update(of=AppealPhotoRow)
    found = (await session.exec(statement)).first()
    if found is None:
        raise PhotoNotFound(f"no photo {photo_id}")
    return found[0], owner_of(found[1])
