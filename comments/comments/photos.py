"""Photos on comments: added by the comment's author, cleaned (`services.images`: only
real JPEG, PNG or WebP, re-encoded without EXIF or GPS, a WebP thumbnail), kept in the
blob store under `appeals/<appeal>/<sha256>.<ext>`, served only to those who may read the
comment.

The files are stored before the row that names them is committed: a crash in between
leaves an unnamed file (never a row without its file). A file is never deleted on a
failure, since the same photo on the same appeal is the same key another row may use."""

import asyncio
from dataclasses import dataclass
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from comments.domain.speakers import check_may_attach, check_may_see
from comments.store import repository
from comments.store.tables import PhotoRow
from contracts.envelope import new_event_id
from contracts.events import CommentVisibility
from services.blob_store import BlobStore
from services.clock import Clock
from services.db import Database
from services.identity import Principal
from services.images import THUMBNAIL_MEDIA_TYPE, CleanImage, ImageLimits, clean_image


@dataclass(frozen=True)
class StoredPhoto:
    content: bytes
    media_type: str
    filename: str
    public: bool
    """Of a public comment: anyone may see it (and caches may keep it)."""


class Photos:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        store: BlobStore,
        limits: ImageLimits,
        per_comment: int,
    ) -> None:
        self.db = db
        self._clock = clock
        self._store = store
        self._limits = limits
        self._per_comment = per_comment

    async def add(
        self, appeal_id: UUID, comment_id: UUID, caller: Principal, data: bytes
    ) -> PhotoRow:
        """Add the photo in `data` to the comment; raises `NotFound`, `NotASpeaker`,
        `TooManyPhotos` or `ImageRefused` (checked before any image work is done)."""
        async with self.db.transaction() as session:
            await self._check(session, appeal_id, comment_id, caller)
        clean = await asyncio.to_thread(clean_image, data, self._limits)
        key, thumbnail_key = _keys(appeal_id, clean)
        await self._store.put(key, clean.content, clean.media_type)
        await self._store.put(thumbnail_key, clean.thumbnail, THUMBNAIL_MEDIA_TYPE)
        async with self.db.transaction() as session:
            await self._check(session, appeal_id, comment_id, caller)  # the comment locked
            row = PhotoRow(
                photo_id=new_event_id(),  # a UUIDv7, as comments' ids
                comment_id=comment_id,
                key=key,
                thumbnail_key=thumbnail_key,
                media_type=clean.media_type,
                size=len(clean.content),
                sha256=clean.sha256,
                width=clean.width,
                height=clean.height,
                added_at=self._clock.now(),
            )
            session.add(row)
        return row

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
        if thumbnail:
            content = await self._store.get(photo.thumbnail_key)
            return StoredPhoto(
                content, THUMBNAIL_MEDIA_TYPE, f"{photo_id}-thumbnail.webp", _is_public(visibility)
            )
        content = await self._store.get(photo.key)
        extension = photo.key.rsplit(".", 1)[-1]
        return StoredPhoto(
            content, photo.media_type, f"{photo_id}.{extension}", _is_public(visibility)
        )


def _is_public(visibility: CommentVisibility) -> bool:
    return visibility is CommentVisibility.PUBLIC


def _keys(appeal_id: UUID, clean: CleanImage) -> tuple[str, str]:
    """Where the photo and its thumbnail are kept: by content, within the appeal."""
    stem = f"appeals/{appeal_id}/{clean.sha256}"
    return f"{stem}.{clean.extension}", f"{stem}.thumbnail.webp"
