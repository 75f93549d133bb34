"""Reads and writes of the answers' photos; callers own the transaction."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.status import AppealStatus
from executor_gateway.domain.answer_photos import AnsweredBy
from executor_gateway.store.tables import AnswerPhotoRow, AssignmentRow


class PhotoNotFound(LookupError):
    """No such photo, or no answer with photos to show (HTTP 404)."""


def answered_by(row: AssignmentRow) -> AnsweredBy:
    return AnsweredBy(row.executor_id, AppealStatus(row.status), row.answer is not None)


async def count(session: AsyncSession, appeal_id: UUID, executor_id: str) -> int:
    statement = (
        select(func.count())
        .select_from(AnswerPhotoRow)
        .where(col(AnswerPhotoRow.appeal_id) == appeal_id)
        .where(col(AnswerPhotoRow.executor_id) == executor_id)
    )
    return (await session.exec(statement)).one()


async def photos(
    session: AsyncSession, appeal_id: UUID, executor_id: str | None = None
) -> Sequence[tuple[AnswerPhotoRow, AssignmentRow]]:
    """The photos of the appeal's assignments (or of `executor_id`'s), in the order added."""
    statement = (
        select(AnswerPhotoRow, AssignmentRow)
        .join(
            AssignmentRow,
            (col(AssignmentRow.appeal_id) == col(AnswerPhotoRow.appeal_id))
            & (col(AssignmentRow.executor_id) == col(AnswerPhotoRow.executor_id)),
        )
        .where(col(AnswerPhotoRow.appeal_id) == appeal_id)
        .order_by(col(AnswerPhotoRow.added_at), col(AnswerPhotoRow.photo_id))
    )
    if executor_id is not None:
        statement = statement.where(col(AnswerPhotoRow.executor_id) == executor_id)
    return [(p, a) for p, a in (await session.exec(statement)).all()]


async def photo(session: AsyncSession, photo_id: UUID) -> tuple[AnswerPhotoRow, AnsweredBy]:
    """The photo and its assignment; raises `PhotoNotFound`."""
    statement = (
        select(AnswerPhotoRow, AssignmentRow)
        .join(
            AssignmentRow,
            (col(AssignmentRow.appeal_id) == col(AnswerPhotoRow.appeal_id))
            & (col(AssignmentRow.executor_id) == col(AnswerPhotoRow.executor_id)),
        )
        .where(col(AnswerPhotoRow.photo_id) == photo_id)
    )
    found = (await session.exec(statement)).first()
    if found is None:
        raise PhotoNotFound(f"no photo {photo_id}")
    return found[0], answered_by(found[1])
