"""The citizen's photos of an appeal: added right after filing, shown to those the rules
allow (`intake.domain.photo_access`), published by a moderator."""

from collections.abc import Awaitable
from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from intake.appeal_photos import AppealPhotos
from intake.domain.errors import AppealNotFound, NotYourAppeal, StepRefused
from intake.domain.photo_access import NotAllowedToSee
from intake.store.photos import PhotoNotFound
from services.access import allow, refused, viewer
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

router = APIRouter(tags=["photos"])

PHOTO_UPLOAD = "/appeals/{appeal_id}/photos"
PHOTO_UPLOAD_PATH = upload_path(PHOTO_UPLOAD)
"""The route that takes a photo as its body (allowed more than the usual 1 MiB)."""

Photos = Annotated[AppealPhotos, Depends(from_app_state(AppealPhotos, "appeal_photos"))]
Reader = Annotated[Principal | None, Depends(viewer())]

T = TypeVar("T")


class PublishedPhotoOut(PhotoOut):
    published: bool


class PublicationIn(RequestBody):
    published: bool


async def _decided(change: Awaitable[T], caller: Principal | None = None) -> T:
    """The rules' refusals become 404, 401 (nobody signed in), 403 or 409."""
    try:
        return await change
    except (AppealNotFound, PhotoNotFound) as refusal:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(refusal)) from refusal
    except (NotAllowedToSee, NotYourAppeal) as refusal:
        raise refused(str(refusal), caller) from refusal
    except StepRefused as refusal:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(refusal)) from refusal


@router.post(
    PHOTO_UPLOAD,
    response_model=PhotoOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=PHOTO_BODY,
    responses=UPLOAD_RESPONSES,
)
async def add_photo(
    appeal_id: UUID,
    request: Request,
    photos: Photos,
    caller: Annotated[Principal, Depends(allow(Role.CITIZEN))],
) -> PhotoOut:
    """The citizen who filed the appeal adds a photo of the problem (a limited number; 409
    once the appeal is answered or closed). It is recognised by its content, re-encoded
    without its metadata (EXIF, GPS) and given a thumbnail; anything that is not a readable
    JPEG, PNG or WebP is refused with the reason (422). Private until a moderator publishes
    it: the citizen, the city's staff and the executor holding the appeal see it."""
    data = await photo_body(request)
    return PhotoOut.of(await cleaned(_decided(photos.add(appeal_id, caller, data), caller)))


@router.get("/appeals/{appeal_id}/photos", response_model=list[PhotoOut], responses=errors(404))
async def list_photos(appeal_id: UUID, photos: Photos, caller: Reader) -> list[PhotoOut]:
    """The appeal's photos the caller may see, in the order they were added: all of them for
    its citizen, the city's staff and the executor holding it; the published ones for
    everybody else."""
    return [PhotoOut.of(r) for r in await _decided(photos.list(appeal_id, caller))]


PHOTO_RESPONSES = photo_responses("a photo not published")


@router.get("/photos/{photo_id}", response_class=Response, responses=PHOTO_RESPONSES)
async def photo(photo_id: UUID, photos: Photos, caller: Reader) -> Response:
    """An appeal's photo, for those who may see it."""
    return await served(_decided(photos.open(photo_id, caller), caller))


@router.get("/photos/{photo_id}/thumbnail", response_class=Response, responses=PHOTO_RESPONSES)
async def thumbnail(photo_id: UUID, photos: Photos, caller: Reader) -> Response:
    """The photo's WebP thumbnail, for whoever may see the photo."""
    return await served(_decided(photos.open(photo_id, caller, thumbnail=True), caller))


@router.put(
    "/photos/{photo_id}/publication", response_model=PublishedPhotoOut, responses=errors(404)
)
async def publish(
    photo_id: UUID,
    body: PublicationIn,
    photos: Photos,
    _moderator: Annotated[Principal, Depends(allow(Role.MODERATOR, Role.ADMIN))],
) -> PublishedPhotoOut:
    """A moderator, having looked at the photo, shows it to the public (`published: true`)
    or hides it again; even published, it is not public while the appeal is held for
    moderation. (Caches may keep a photo once public for a day.)"""
    row = await _decided(photos.publish(photo_id, body.published))
    return PublishedPhotoOut(**PhotoOut.of(row).model_dump(), published=row.published)
