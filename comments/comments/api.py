"""The comments service's HTTP API: comments on an appeal, photos on a comment, and the
photos themselves."""

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field, StringConstraints

from comments.discussion import Discussion
from comments.domain.speakers import NotASpeaker, TooManyPhotos
from comments.photos import Photos
from comments.store.repository import NotFound
from comments.store.tables import CommentRow
from contracts.events import MAX_REASON_LENGTH, CommentAuthor, CommentVisibility
from contracts.text import STORABLE
from services.access import allow, refused, viewer
from services.http_limits import Offset
from services.http_responses import errors
from services.identity import Principal, Role
from services.photo_api import (
    PHOTO_BODY,
    UPLOAD_RESPONSES,
    PhotoOut,
    cleaned,
    photo_body,
    photo_responses,
    served,
    upload_path,
)
from services.request_bodies import RequestBody
from services.runtime import from_app_state

router = APIRouter(tags=["comments"])

PHOTO_UPLOAD = "/appeals/{appeal_id}/comments/{comment_id}/photos"
PHOTO_UPLOAD_PATH = upload_path(PHOTO_UPLOAD)
"""The route that takes a photo as its body (allowed more than the usual 1 MiB)."""

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


class CommentIn(RequestBody):
    text: Text
    visibility: CommentVisibility = Field(
        default=CommentVisibility.PUBLIC,
        description="public: everyone sees it; internal: the staff only (not the citizen's)",
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
        raise refused(str(refusal), caller) from refusal
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


@router.post(
    PHOTO_UPLOAD,
    response_model=PhotoOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=PHOTO_BODY,
    responses=UPLOAD_RESPONSES,
)
async def add_photo(
    appeal_id: UUID, comment_id: UUID, request: Request, photos: PhotosDep, caller: SignedIn
) -> PhotoOut:
    """Add a photo to one's own comment (a limited number each). It is recognised by its
    content, re-encoded without its metadata (EXIF, GPS) and given a thumbnail; anything
    that is not a readable JPEG, PNG or WebP is refused with the reason (422)."""
    data = await photo_body(request)
    row = await cleaned(_decided(photos.add(appeal_id, comment_id, caller, data), caller))
    return PhotoOut.of(row)


PHOTO_RESPONSES = photo_responses("an internal comment's photo")


@router.get("/photos/{photo_id}", response_class=Response, responses=PHOTO_RESPONSES)
async def photo(photo_id: UUID, photos: PhotosDep, caller: Reader) -> Response:
    """A comment's photo: a public comment's for anyone, an internal one's for its staff."""
    return await served(_decided(photos.open(photo_id, caller), caller))


@router.get("/photos/{photo_id}/thumbnail", response_class=Response, responses=PHOTO_RESPONSES)
async def thumbnail(photo_id: UUID, photos: PhotosDep, caller: Reader) -> Response:
    """The photo's WebP thumbnail, for whoever may see the photo."""
    return await served(_decided(photos.open(photo_id, caller, thumbnail=True), caller))
