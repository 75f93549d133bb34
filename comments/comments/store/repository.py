"""Reads and writes of the comments service's tables; callers own the transaction."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from comments.domain.speakers import PostedComment, Speakers
from comments.store.tables import AppealSpeakersRow, CommentRow, PhotoRow
from contracts.events import CommentVisibility
from services.db import core


class NotFound(LookupError):
    """No such appeal, comment or photo here (HTTP 404)."""


_SPEAKERS = AppealSpeakersRow.__table__  # type: ignore[attr-defined]
_UPSERT = insert(_SPEAKERS)


def _upsert_setting(column: str) -> Any:
    """Insert an appeal's speakers row, or set `column` (and `updated_at`) on the existing
    one: a prepared Core statement executed with parameters (no ORM, compiled once)."""
    return _UPSERT.on_conflict_do_update(
        index_elements=["appeal_id"],
        set_={column: getattr(_UPSERT.excluded, column), "updated_at": func.now()},
    )


_HEARD_CITIZEN = _upsert_setting("citizen_id")
_HOLDER_IS = _upsert_setting("executor_id")


async def heard_citizen(
    session: AsyncSession, appeal_id: UUID, citizen_id: UUID | None, correlation_id: UUID
) -> None:
    """The appeal was filed by `citizen_id` (it may have been routed before we heard)."""
    sql = await core(session)
    await sql.execute(
        _HEARD_CITIZEN,
        {"appeal_id": appeal_id, "citizen_id": citizen_id, "correlation_id": correlation_id},
    )


async def holder_is(
    session: AsyncSession, appeal_id: UUID, executor_id: str | None, correlation_id: UUID
) -> None:
    """`executor_id` holds the appeal from now on (None: nobody)."""
    sql = await core(session)
    await sql.execute(
        _HOLDER_IS,
        {"appeal_id": appeal_id, "executor_id": executor_id, "correlation_id": correlation_id},
    )


async def holder_left(session: AsyncSession, appeal_id: UUID, executor_id: str) -> None:
    """`executor_id` gave the appeal up (if it still holds it)."""
    await session.exec(
        update(AppealSpeakersRow)
        .where(col(AppealSpeakersRow.appeal_id) == appeal_id)
        .where(col(AppealSpeakersRow.executor_id) == executor_id)
        .values(executor_id=None, updated_at=func.now())
    )


async def speakers(session: AsyncSession, appeal_id: UUID) -> AppealSpeakersRow:
    row = await session.get(AppealSpeakersRow, appeal_id)
    if row is None:
        raise NotFound(f"no appeal {appeal_id} here")
    return row


def speakers_of(row: AppealSpeakersRow) -> Speakers:
    return Speakers(citizen_id=row.citizen_id, executor_id=row.executor_id)


async def comments(
    session: AsyncSession,
    appeal_id: UUID,
    visibilities: frozenset[CommentVisibility],
    *,
    limit: int,
    offset: int,
) -> Sequence[CommentRow]:
    """The appeal's comments of `visibilities`, oldest first."""
    query = (
        select(CommentRow)
        .where(col(CommentRow.appeal_id) == appeal_id)
        .where(col(CommentRow.visibility).in_([v.value for v in visibilities]))
        .order_by(col(CommentRow.posted_at), col(CommentRow.comment_id))
    )
    return (await session.exec(query.limit(limit).offset(offset))).all()


async def photos_of(session: AsyncSession, comment_ids: Sequence[UUID]) -> Sequence[PhotoRow]:
    """The photos of these comments, in the order they were added."""
    query = (
        select(PhotoRow)
        .where(col(PhotoRow.comment_id).in_(comment_ids))
        .order_by(col(PhotoRow.added_at), col(PhotoRow.photo_id))
    )
    return (await session.exec(query)).all()


async def comment_for_photos(
    session: AsyncSession, appeal_id: UUID, comment_id: UUID
) -> tuple[CommentRow, PostedComment]:
    """The comment, locked until the transaction ends (so two uploads count one by one)."""
    query = (
        select(CommentRow)
        .where(col(CommentRow.comment_id) == comment_id)
        .where(col(CommentRow.appeal_id) == appeal_id)
        .with_for_update()
    )
    row = (await session.exec(query)).first()
    if row is None:
        raise NotFound(f"no comment {comment_id} on appeal {appeal_id}")
    count = (
        await session.exec(
            select(func.count()).select_from(PhotoRow).where(col(PhotoRow.comment_id) == comment_id)
        )
    ).one()
    posted = PostedComment(row.author_id, CommentVisibility(row.visibility), count)
    return row, posted


async def photo(session: AsyncSession, photo_id: UUID) -> tuple[PhotoRow, CommentRow]:
    """The photo and the comment it belongs to."""
    query = (
        select(PhotoRow, CommentRow)
        .join(CommentRow, col(CommentRow.comment_id) == col(PhotoRow.comment_id))
        .where(col(PhotoRow.photo_id) == photo_id)
    )
    found = (await session.exec(query)).first()
    if found is None:
        raise NotFound(f"no photo {photo_id}")
    return found[0], found[1]
