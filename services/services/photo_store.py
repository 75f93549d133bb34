"""Photos a service keeps for what it owns (a comment, an appeal, an answer): cleaned by
`services.images` (only real JPEG, PNG or WebP, re-encoded without EXIF or GPS, a WebP
thumbnail), kept in the service's blob store under `<folder>/<sha256>.<ext>`, and named by a
row of a table built on `PhotoColumns`.

Who may add or see a photo is the owning service's rule; this module only keeps and reads
the files. A service stores the files before committing the row that names them: a crash
in between leaves an unnamed file, never a row without its file. Files are never deleted on
a failure, since the same photo in the same folder is the same key another row may use.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel
from pydantic import Field as Setting
from sqlalchemy import DateTime, func
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import utcnow
from services.blob_store import BlobStore, BlobStoreSettings, check_key
from services.db import Database
from services.images import THUMBNAIL_MEDIA_TYPE, CleanImage, ImageLimits, clean_image

MiB = 1024 * 1024


class PhotoColumns(SQLModel):
    """The columns of a photos table; a service adds the owner's key (with its foreign key):
    `class AppealPhotoRow(PhotoColumns, Table, table=True): appeal_id: UUID = ...`."""

    photo_id: UUID = Field(primary_key=True)
    key: str = Field(max_length=512, description="the re-encoded photo in the blob store")
    thumbnail_key: str = Field(max_length=512, description="its WebP thumbnail")
    media_type: str = Field(max_length=32)
    size: int
    sha256: str = Field(max_length=64)
    width: int
    height: int
    added_at: datetime = Field(
        default_factory=utcnow,
        sa_type=DateTime(timezone=True),
        sa_column_kwargs={"server_default": func.now()},
        nullable=False,
    )


class PhotoSettings(BaseModel):
    """The settings of a service that keeps photos (mixed into its settings class)."""

    blobs: BlobStoreSettings = Setting(
        default_factory=BlobStoreSettings,
        description="where the photos are kept: a local directory by default, or S3",
    )
    photo_max_bytes: int = Setting(
        default=10 * MiB, ge=1024, le=50 * MiB, description="the largest photo accepted"
    )
    photo_max_pixels: int = Setting(
        default=40_000_000, ge=1, description="width × height a photo may have once decoded"
    )
    photo_thumbnail_px: int = Setting(
        default=320, ge=32, le=2048, description="the long side of a photo's thumbnail"
    )

    def image_limits(self) -> ImageLimits:
        return ImageLimits(
            max_bytes=self.photo_max_bytes,
            max_pixels=self.photo_max_pixels,
            thumbnail_px=self.photo_thumbnail_px,
        )


@dataclass(frozen=True)
class KeptPhoto:
    """A cleaned photo whose files are in the store: the values of its row's columns."""

    key: str
    thumbnail_key: str
    media_type: str
    size: int
    sha256: str
    width: int
    height: int

    def columns(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "thumbnail_key": self.thumbnail_key,
            "media_type": self.media_type,
            "size": self.size,
            "sha256": self.sha256,
            "width": self.width,
            "height": self.height,
        }


@dataclass(frozen=True)
class StoredPhoto:
    """A photo (or its thumbnail) as served."""

    content: bytes
    media_type: str
    filename: str
    public: bool
    """Anyone may see it (and caches may keep it)."""


Row = TypeVar("Row", bound=PhotoColumns)


class PhotoStore:
    """Cleans photos and keeps them in a blob store; reads them back."""

    def __init__(self, store: BlobStore, limits: ImageLimits) -> None:
        self._store = store
        self._limits = limits

    async def attach(
        self,
        db: Database,
        folder: str,
        data: bytes,
        check: Callable[[AsyncSession], Awaitable[None]],
        row: Callable[[KeptPhoto], Row],
    ) -> Row:
        """Add the photo in `data` as `row(kept)`, if the owner's `check` (which raises the
        owner's refusals) passes before any image work and again, in the transaction that
        adds the row, after the files are stored (lock the owner's row there, so uploads
        at once are counted one by one). Raises `ImageRefused` with the reason."""
        async with db.transaction() as session:
            await check(session)
        kept = await self.keep(folder, data)
        async with db.transaction() as session:
            await check(session)
            added = row(kept)
            session.add(added)
        return added

    async def keep(self, folder: str, data: bytes) -> KeptPhoto:
        """Clean the photo in `data` and store it and its thumbnail under `folder`; raises
        `ImageRefused` with the reason."""
        clean = await asyncio.to_thread(clean_image, data, self._limits)
        key, thumbnail_key = keys(folder, clean)
        await self._store.put(key, clean.content, clean.media_type)
        await self._store.put(thumbnail_key, clean.thumbnail, THUMBNAIL_MEDIA_TYPE)
        return KeptPhoto(
            key=key,
            thumbnail_key=thumbnail_key,
            media_type=clean.media_type,
            size=len(clean.content),
            sha256=clean.sha256,
            width=clean.width,
            height=clean.height,
        )

    async def read(self, row: PhotoColumns, *, thumbnail: bool, public: bool) -> StoredPhoto:
        """The photo of `row` (or its thumbnail); raises `BlobNotFound`."""
        if thumbnail:
            content = await self._store.get(row.thumbnail_key)
            filename = f"{row.photo_id}-thumbnail.webp"
            return StoredPhoto(content, THUMBNAIL_MEDIA_TYPE, filename, public)
        content = await self._store.get(row.key)
        extension = row.key.rsplit(".", 1)[-1]
        return StoredPhoto(content, row.media_type, f"{row.photo_id}.{extension}", public)


def keys(folder: str, clean: CleanImage) -> tuple[str, str]:
    """Where a photo and its thumbnail are kept: by content, within `folder`."""
    stem = check_key(f"{folder.strip('/')}/{clean.sha256}")
    return f"{stem}.{clean.extension}", f"{stem}.thumbnail.webp"
