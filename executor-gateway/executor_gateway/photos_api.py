"""The photos of an executor's answer: its staff add them to the assignment ("answer with
photos"), its staff and the city's see them there, and everybody sees them once the answer
is given (`executor_gateway.domain.answer_photos`)."""

from collections.abc import Awaitable
from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from executor_gateway.answer_photos import AnswerPhotos
from executor_gateway.api import OwnStaff, ReadableExecutor
from executor_gateway.domain.answer_photos import NotAllowedToSee
from executor_gateway.domain.assignment import NotAllowed
from executor_gateway.store.photos import PhotoNotFound
from executor_gateway.store.repository import AssignmentNotFound
from services.access import public, refused, viewer
from services.http_responses import errors
from services.identity import Principal
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
from services.runtime import from_app_state

router = APIRouter(tags=["answer photos"])

PHOTO_UPLOAD = "/executors/{executor_id}/assignments/{appeal_id}/photos"
PHOTO_UPLOAD_PATH = upload_path(PHOTO_UPLOAD)
"""The route that takes a photo as its body (allowed more than the usual 1 MiB)."""
SERVED_AT = "/answer-photos"

Photos = Annotated[AnswerPhotos, Depends(from_app_state(AnswerPhotos, "answer_photos"))]
Reader = Annotated[Principal | None, Depends(viewer())]

T = TypeVar("T")


async def _decided(change: Awaitable[T], caller: Principal | None = None) -> T:
    """The rules' refusals become 404, 401 (nobody signed in), 403 or 409."""
    try:
        return await change
    except (AssignmentNotFound, PhotoNotFound) as refusal:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(refusal)) from refusal
    except NotAllowedToSee as refusal:
        raise refused(str(refusal), caller) from refusal
    except NotAllowed as refusal:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(refusal)) from refusal


@router.post(
    PHOTO_UPLOAD,
    response_model=PhotoOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=PHOTO_BODY,
    responses=UPLOAD_RESPONSES,
)
async def add_photo(
    acting: OwnStaff, appeal_id: UUID, request: Request, photos: Photos
) -> PhotoOut:
    """Add a photo of the work to the assignment, before or after answering (a limited
    number; 409 once it was redirected away or closed). It is recognised by its content,
    re-encoded without its metadata (EXIF, GPS) and given a thumbnail; anything that is not
    a readable JPEG, PNG or WebP is refused with the reason (422). Public once the answer
    is given (`GET /answers/{appeal_id}/photos`)."""
    data = await photo_body(request)
    row = await cleaned(_decided(photos.add(acting.executor_id, appeal_id, data)))
    return PhotoOut.of(row, SERVED_AT)


@router.get(
    "/executors/{executor_id}/assignments/{appeal_id}/photos",
    response_model=list[PhotoOut],
    responses=errors(404),
)
async def assignment_photos(
    executor_id: ReadableExecutor, appeal_id: UUID, photos: Photos
) -> list[PhotoOut]:
    """Every photo of the assignment, in the order added (its staff and the city's)."""
    rows = await _decided(photos.of_assignment(executor_id, appeal_id))
    return [PhotoOut.of(r, SERVED_AT) for r in rows]


@router.get(
    "/answers/{appeal_id}/photos",
    response_model=list[PhotoOut],
    dependencies=[Depends(public())],
)
async def answer_photos(appeal_id: UUID, photos: Photos) -> list[PhotoOut]:
    """The photos of the appeal's answers, for everybody once an answer is given
    (resolved, clarified, rejected, or later); an empty list before."""
    return [PhotoOut.of(r, SERVED_AT) for r in await photos.public(appeal_id)]


PHOTO_RESPONSES = photo_responses("a photo of an answer not given yet")


@router.get(f"{SERVED_AT}/{{photo_id}}", response_class=Response, responses=PHOTO_RESPONSES)
async def photo(photo_id: UUID, photos: Photos, caller: Reader) -> Response:
    """A photo of an answer: for everybody once the answer is given, for the executor's
    staff and the city's before."""
    return await served(_decided(photos.open(photo_id, caller), caller))


@router.get(
    f"{SERVED_AT}/{{photo_id}}/thumbnail", response_class=Response, responses=PHOTO_RESPONSES
)
async def thumbnail(photo_id: UUID, photos: Photos, caller: Reader) -> Response:
    """The photo's WebP thumbnail, for whoever may see the photo."""
    return await served(_decided(photos.open(photo_id, caller, thumbnail=True), caller))
