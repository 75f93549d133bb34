"""The HTTP side of photos, the same in every service that keeps them: the upload (the raw
image as the body, not a form), its refusals (415 a declared type that is no photo's, 413
too large, 422 not a readable JPEG/PNG/WebP), the listing's item, and serving a photo so a
browser shows it and never runs it (`nosniff`, `inline`, a sandboxing CSP)."""

from collections.abc import Awaitable
from typing import Any, TypeVar
from uuid import UUID

import structlog
from fastapi import HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from services.blob_store import BlobNotFound
from services.http_responses import error, errors, invalid
from services.images import FORMATS, ImageRefused
from services.photo_store import PhotoColumns, StoredPhoto

log = structlog.get_logger(__name__)

PHOTO_TYPES = sorted(FORMATS.values())

PHOTO_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the photo itself (not a form): JPEG, PNG or WebP",
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in PHOTO_TYPES},
    }
}
"""`openapi_extra` of an upload route: FastAPI cannot see a body read from the request."""

UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    **errors(404, 409),
    **error(413, "the photo is larger than the limit (bytes or pixels)"),
    **error(415, f"the body is not declared as one of {', '.join(PHOTO_TYPES)}"),
}


def photo_responses(
    private: str, *, others: tuple[int, ...] = (404,)
) -> dict[int | str, dict[str, Any]]:
    """The documented answers of a route serving photos that are sometimes `private`."""
    return {
        200: {"content": {t: {} for t in PHOTO_TYPES}, "description": "the photo"},
        **errors(*others),
        **error(401, f"{private}, and no valid bearer token"),
        **error(403, f"{private}, and the caller may not see it"),
    }


class PhotoOut(BaseModel):
    photo_id: UUID
    media_type: str
    width: int
    height: int
    size: int = Field(description="bytes, as re-encoded")
    url: str = Field(description="the photo, for those who may see it")
    thumbnail_url: str = Field(description="a WebP thumbnail")

    @classmethod
    def of(cls, row: PhotoColumns, base: str = "/photos") -> "PhotoOut":
        """The listing's item; the photo is served at `<base>/<id>`."""
        return cls(
            photo_id=row.photo_id,
            media_type=row.media_type,
            width=row.width,
            height=row.height,
            size=row.size,
            url=f"{base}/{row.photo_id}",
            thumbnail_url=f"{base}/{row.photo_id}/thumbnail",
        )


async def photo_body(request: Request) -> bytes:
    """The uploaded photo; 415 unless the body is declared as a photo's type (what it really
    is, its content decides later)."""
    declared = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if declared not in PHOTO_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail=f"send the photo itself as the body, as one of {', '.join(PHOTO_TYPES)}",
        )
    return await request.body()


T = TypeVar("T")


async def cleaned(adding: Awaitable[T]) -> T:
    """Await `adding` (a photo being kept); a refused image becomes 413 or 422."""
    try:
        return await adding
    except ImageRefused as refusal:
        if refusal.too_large:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=str(refusal)) from refusal
        raise invalid(("body",), str(refusal), "image_refused") from refusal


async def served(found: Awaitable[StoredPhoto]) -> Response:
    """The photo as a response a browser shows and never runs; a file missing from the
    store is logged and answered 404."""
    try:
        photo = await found
    except BlobNotFound as missing:
        log.error("a photo's file is missing from the store", key=str(missing))
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="the photo is gone") from missing
    return Response(
        photo.content,
        media_type=photo.media_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="{photo.filename}"',
            "Cache-Control": "public, max-age=86400" if photo.public else "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


def upload_path(template: str) -> str:
    """The regex of an upload route's paths (for `http_app(larger_bodies=...)`): each
    `{parameter}` of `template` stands for one path segment."""
    segments = template.strip("/").split("/")
    return "/" + "/".join("[^/]+" if s.startswith("{") else s for s in segments)
