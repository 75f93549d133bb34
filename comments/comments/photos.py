"""Photos on comments: added by the comment's author, cleaned and kept by the chassis
(`services.photo_store`) under `appeals/<appeal>/`, served only to those who may read the
comment."""

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from comments.domain.speakers import check_may_attach, check_may_see
from comments.store import repository
from comments.store.tables import PhotoRow
from contracts.envelope import new_event_id
from contracts.events import CommentVisibility
from services.clock import Clock
from services.db import Database
from services.identity import Principal
from services.photo_store import KeptPhoto, PhotoStore, StoredPhoto


class Photos:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        files: PhotoStore,
        per_comment: int,
    ) -> None:
        self.db = db
        self._clock = clock
        self.files = files
        self._per_comment = per_comment

    async def add(
        self, appeal_id: UUID, comment_id: UUID, caller: Principal, data: bytes
    ) -> PhotoRow:
        """Add the photo in `data` to the comment; raises `NotFound`, `NotASpeaker`,
        `TooManyPhotos` (checked before any image work is done) or `ImageRefused`."""

        async def check(session: AsyncSession) -> None:
            await self._check(session, appeal_id, comment_id, caller)

        def row(kept: KeptPhoto) -> PhotoRow:
            return PhotoRow(
                photo_id=new_event_id(),  # a UUIDv7, as comments' ids
                comment_id=comment_id,
                added_at=self._clock.now(),
                **kept.columns(),
            )

        return await self.files.attach(self.db, folder(appeal_id), data, check, row)

    async def _check(
        self, session: AsyncSession, appeal_id: UUID, comment_id: UUID, caller: Principal
    ) -> None:
        speakers = repository.speakers_of(await repository.speakers(session, appeal_id))
        _row, posted = await repository.comment_for_photos(session, appeal_id, comment_id)
        check_may_attach(caller, speakers, posted, self._per_comment)

    async def open(
        self, photo_id: UUID, caller: Principal | None, *, thumbnail: bool = False
    ) -> StoredPhoto:
        """The photo (or its thumbnail) for `caller`; raises `NotFound`, `NotASpeaker`."""
        async with self.db.session() as session:
            photo, comment = await repository.photo(session, photo_id)
            speakers = await repository.speakers(session, comment.appeal_id)
        visibility = CommentVisibility(comment.visibility)
        check_may_see(caller, repository.speakers_of(speakers), visibility)
        public = visibility is CommentVisibility.PUBLIC
        return await self.files.read(photo, thumbnail=thumbnail, public=public)


def folder(appeal_id: UUID) -> str:
    """Where the photos of an appeal's comments are kept (the same photo twice: one file)."""
    return f"appeals/{appeal_id}"
