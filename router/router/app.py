"""Composition root of router."""

from fastapi import FastAPI

from contracts.topics import APPEAL_EVENTS, APPEAL_SUBMITTED, ROUTING_CHANGES
from router import api
from router.changes import RoutingChanges
from router.decisions import Casework
from router.declaration import SERVICE
from router.engine import RoutingEngine
from router.handlers import lifecycle_handlers, submitted_handlers
from router.settings import RouterSettings
from services.adapters import REAL, Adapters
from services.runtime import ServiceRuntime


def create_app(settings: RouterSettings | None = None, adapters: Adapters = REAL) -> FastAPI:
    """The service with the real adapters, or the ones a test passes in."""
    settings = settings or RouterSettings()
    runtime = ServiceRuntime(SERVICE, settings, adapters)
    engine = RoutingEngine(runtime.db)
    runtime.on_startup(engine.reload)
    casework = Casework(engine, runtime.db, settings, runtime.clock)
    runtime.consume(submitted_handlers(casework), APPEAL_SUBMITTED)
    runtime.consume(lifecycle_handlers(casework), APPEAL_EVENTS)
    runtime.consume(RoutingChanges(engine).handlers(), ROUTING_CHANGES, broadcast=True)
    app = runtime.http_app(
        title="Appeals router",
        description="Assigns each appeal to the executor responsible, and explains why.",
        routers=[api.router],
    )
    app.state.casework = casework
    return app
