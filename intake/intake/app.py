"""Composition root of intake."""

from fastapi import FastAPI

from contracts.topics import APPEAL_EVENTS
from intake import api
from intake.declaration import SERVICE
from intake.domain.catalogue import Catalogue
from intake.handlers import HANDLERS
from intake.settings import IntakeSettings
from intake.submissions import Submissions
from services.adapters import REAL, Adapters
from services.runtime import ServiceRuntime


def create_app(settings: IntakeSettings | None = None, adapters: Adapters = REAL) -> FastAPI:
    """The service with the real adapters, or the ones a test passes in."""
    runtime = ServiceRuntime(SERVICE, settings or IntakeSettings(), adapters)
    submissions = Submissions(runtime.db, Catalogue("nobody", None, []), runtime.clock)
    runtime.on_startup(submissions.reload_catalogue)
    runtime.consume(HANDLERS, APPEAL_EVENTS)
    app = runtime.http_app(
        title="Appeals intake",
        description="Citizens submit appeals and follow their status.",
        routers=[api.router],
    )
    app.state.submissions = submissions
    return app
