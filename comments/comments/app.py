"""Composition root of the comments service."""

from fastapi import FastAPI

from comments import api, handlers
from comments.declaration import SERVICE
from comments.discussion import Discussion
from comments.photos import Photos
from comments.settings import CommentsSettings
from contracts.topics import APPEAL_EVENTS, APPEAL_SUBMITTED
from services.adapters import REAL, Adapters
from services.photo_store import PhotoStore
from services.runtime import ServiceRuntime


def create_app(settings: CommentsSettings | None = None, adapters: Adapters = REAL) -> FastAPI:
    """The service with the real adapters, or the ones a test passes in."""
    settings = settings or CommentsSettings()
    runtime = ServiceRuntime(SERVICE, settings, adapters)
    runtime.consume(handlers.SUBMITTED_HANDLERS, APPEAL_SUBMITTED)
    runtime.consume(handlers.APPEAL_HANDLERS, APPEAL_EVENTS)
    store = settings.blobs.store(SERVICE.name)
    runtime.on_shutdown(store.close)
    app = runtime.http_app(
        title="Comments",
        description="Public and internal comments on appeals, by the citizen, the executor's"
        " staff and the city's, with photos cleaned of their metadata.",
        routers=[api.router],
        larger_bodies={api.PHOTO_UPLOAD_PATH: settings.photo_max_bytes},
    )
    app.state.discussion = Discussion(runtime.db, runtime.clock)
    app.state.photos = Photos(
        runtime.db,
        runtime.clock,
        PhotoStore(store, settings.image_limits()),
        per_comment=settings.photos_per_comment,
    )
    return app
