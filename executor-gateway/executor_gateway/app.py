"""Composition root of executor-gateway."""

from datetime import timedelta

from fastapi import FastAPI

from contracts.topics import APPEAL_EVENTS, EXECUTOR_ASSIGNMENTS
from executor_gateway import api, photos_api
from executor_gateway.actions import Actions
from executor_gateway.answer_photos import AnswerPhotos
from executor_gateway.declaration import SERVICE
from executor_gateway.handlers import APPEAL_HANDLERS, ASSIGNMENT_HANDLERS
from executor_gateway.settings import GatewaySettings
from services.adapters import REAL, Adapters
from services.photo_store import PhotoStore
from services.runtime import ServiceRuntime


def create_app(settings: GatewaySettings | None = None, adapters: Adapters = REAL) -> FastAPI:
    """The service with the real adapters, or the ones a test passes in."""
    settings = settings or GatewaySettings()
    runtime = ServiceRuntime(SERVICE, settings, adapters)
    runtime.consume(ASSIGNMENT_HANDLERS, EXECUTOR_ASSIGNMENTS, group="executor-assignments")
    runtime.consume(APPEAL_HANDLERS, APPEAL_EVENTS)
    app = runtime.http_app(
        title="Executor gateway",
        description="Executor organisations receive their assignments and answer them.",
        routers=[api.router, api.reasons_router, photos_api.router],
        larger_bodies={photos_api.PHOTO_UPLOAD_PATH: settings.photo_max_bytes},
    )
    blobs = settings.blobs.store(SERVICE.name)
    runtime.on_shutdown(blobs.close)
    files = PhotoStore(blobs, settings.image_limits())
    app.state.answer_photos = AnswerPhotos(
        runtime.db, runtime.clock, files, settings.photos_per_answer
    )
    wait = timedelta(days=settings.clarification_wait_days)
    app.state.actions = Actions(runtime.db, runtime.clock, wait)
    return app
