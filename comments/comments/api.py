"""The comments service's HTTP API: comments on an appeal, photos on a comment, and the
photos themselves."""

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

import structlog
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field, StringConstraints

from comments.discussion import Discussion
from comments.domain.speakers import NotASpeaker, TooManyPhotos
from comments.photos import Photos
from comments.store.repository import NotFound
from comments.store.tables import CommentRow, PhotoRow
from contracts.events import MAX_REASON_LENGTH, CommentAuthor, CommentVisibility
from contracts.text import STORABLE
from services.access import allow, viewer
from services.blob_store import BlobNotFound
from services.http_limits import Offset
from services.http_responses import error, errors, invalid
from services.identity import Principal, Role
from services.images import FORMATS, ImageRefused
from services.runtime import from_app_state

log = structlog.get_logger(__name__)

router = APIRouter(tags=["comments"])

PHOTO_UPLOAD_PATH = r"/appeals/[^/]+/comments/[^/]+/photos"
"""The route that takes a photo as its body (allowed more than the usual 1 MiB)."""
PHOTO_TYPES = sorted(FORMATS.values())

DiscussionDep = Annotated[Discussion, Depends(from_app_state(Discussion, "discussion"))]
PhotosDep = Annotated[Photos, Depends(from_app_state(Photos, "photos"))]
SignedIn = Annotated[Principal, Depends(allow(*Role))]
"""Anyone signed in; whether they may speak on the appeal the rules decide."""
Reader = Annotated[Principal | None, Depends(viewer())]

T = TypeVar("T")

Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REASON_LENGTH),
    STORABLE,
]


class CommentIn(BaseModel):
    text: Text
    visibility: CommentVisibility = Field(
        default=CommentVisibility.PUBLIC,
        description="public: everyone sees it; internal: the staff only (not the citizen's)",
    )


class PhotoOut(BaseModel):
    photo_id: UUID
    media_type: str
    width: int
    height: int
    size: int = Field(description="bytes, as re-encoded")
    url: str = Field(description="the photo, for those who may read its comment")
    thumbnail_url: str = Field(description="a WebP thumbnail")

    @classmethod
    def of(cls, row: PhotoRow) -> "PhotoOut":
        return cls(
            photo_id=row.photo_id,
            media_type=row.media_type,
            width=row.width,
            height=row.height,
            size=row.size,
            url=f"/photos/{row.photo_id}",
            thumbnail_url=f"/photos/{row.photo_id}/thumbnail",
        )


class CommentOut(BaseModel):
    comment_id: UUID
    appeal_id: UUID
    visibility: CommentVisibility
    author: CommentAuthor
    executor_id: str | None = Field(description="the executor whose staff wrote it")
    by: str | None = Field(description="the staff member who wrote it (shown to staff only)")
    text: str
    posted_at: datetime
    photos: list[PhotoOut]

    @classmethod
    def of(cls, row: CommentRow, photos: list[PhotoOut], *, staff_view: bool) -> "CommentOut":
        return cls(
            comment_id=row.comment_id,
            appeal_id=row.appeal_id,
            visibility=CommentVisibility(row.visibility),
            author=CommentAuthor(row.author),
            executor_id=row.executor_id,
            by=row.by if staff_view else None,
            text=row.text,
            posted_at=row.posted_at,
            photos=photos,
        )


async def _decided(change: Awaitable[T], caller: Principal | None = None) -> T:
    """Run `change`; the rules' refusals become 404, 401 (nobody signed in), 403 or 409."""
    try:
        return await change
    except NotFound as refusal:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(refusal)) from refusal
    except NotASpeaker as refusal:
        if caller is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail=f"sign in: {refusal}",
                headers={"WWW-Authenticate": "Bearer"},
            ) from refusal
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(refusal)) from refusal
    except TooManyPhotos as refusal:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(refusal)) from refusal


@router.post(
    "/appeals/{appeal_id}/comments",
    response_model=CommentOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(404),
)
async def post_comment(
    appeal_id: UUID, body: CommentIn, discussion: DiscussionDep, caller: SignedIn
) -> CommentOut:
    """Comment on the appeal: its citizen (public comments only), the staff of the executor
    holding it, and the city's operators, moderators, curators and administrators. Add
    photos to it afterwards (`POST .../comments/{comment_id}/photos`)."""
    row = await _decided(discussion.post(appeal_id, caller, body.text, body.visibility), caller)
    return CommentOut.of(row, [], staff_view=row.author != CommentAuthor.CITIZEN)


@router.get("/appeals/{appeal_id}/comments", response_model=list[CommentOut], responses=errors(404))
async def list_comments(
    appeal_id: UUID,
    discussion: DiscussionDep,
    caller: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> list[CommentOut]:
    """The appeal's comments, oldest first: public ones for everybody, internal ones too
    for the staff of the executor holding it and the city's."""
    page = await _decided(discussion.read(appeal_id, caller, limit=limit, offset=offset))
    return [
        CommentOut.of(row, [PhotoOut.of(p) for p in photos], staff_view=page.staff_view)
        for row, photos in page.comments
    ]


PHOTO_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the photo itself (not a form): JPEG, PNG or WebP",
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in PHOTO_TYPES},
    }
}


@router.post(
    "/appeals/{appeal_id}/comments/{comment_id}/photos",
    response_model=PhotoOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=PHOTO_BODY,
    responses={
        **errors(404, 409),
        **error(413, "the photo is larger than the limit (bytes or pixels)"),
        **error(415, f"the body is not declared as one of {', '.join(PHOTO_TYPES)}"),
    },
)
async def add_photo(
    appeal_id: UUID, comment_id: UUID, request: Request, photos: PhotosDep, caller: SignedIn
) -> PhotoOut:
    """Add a photo to one's own comment (a limited number each). It is recognised by its
    content, re-encoded without its metadata (EXIF, GPS) and given a thumbnail; anything
    that is not a readable JPEG, PNG or WebP is refused with the reason (422)."""
    declared = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if declared not in PHOTO_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail=f"send the photo itself as the body, as one of {', '.join(PHOTO_TYPES)}",
        )
    data = await request.body()
    try:
        row = await _decided(photos.add(appeal_id, comment_id, caller, data), caller)
    except ImageRefused as refusal:
        if refusal.too_large:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=str(refusal)) from refusal
        raise invalid(("body",), str(refusal), "image_refused") from refusal
    return PhotoOut.of(row)


PHOTO_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {t: {} for t in PHOTO_TYPES}, "description": "the photo"},
    **errors(404),
    **error(401, "an internal comment's photo, and no valid bearer token"),
    **error(403, "an internal comment's photo, and the caller is not its appeal's staff"),
}


async def _served(found: Awaitable[Any], caller: Principal | None) -> Response:
    try:
        photo = await _decided(found, caller)
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


@router.get("/photos/{photo_id}", response_class=Response, responses=PHOTO_RESPONSES)
async def photo(photo_id: UUID, photos: PhotosDep, caller: Reader) -> Response:
    """A comment's photo: a public comment's for anyone, an internal one's for its staff."""
    return await _served(photos.open(photo_id, caller), caller)


@router.get("/photos/{photo_id}/thumbnail", response_class=Response, responses=PHOTO_RESPONSES)
async def thumbnail(photo_id: UUID, photos: PhotosDep, caller: Reader) -> Response:
    """The photo's WebP thumbnail, for whoever may see the photo."""
    return await _served(photos.open(photo_id, caller, thumbnail=True), caller)
