"""Composition root of router."""

from fastapi import FastAPI

from contracts.events import AppealSubmitted
from contracts.topics import APPEAL_SUBMITTED
from router import api
from router.engine import RoutingEngine
from router.handlers import RoutingHandlers
from router.settings import RouterSettings
from services.runtime import ServiceRuntime


def create_app(settings: RouterSettings | None = None) -> FastAPI:
    runtime = ServiceRuntime(settings or RouterSettings())
    engine = RoutingEngine(runtime.db)
    runtime.on_startup(engine.reload)
    handlers = RoutingHandlers(engine)
    runtime.consume({AppealSubmitted: handlers.route_submitted}, topic=APPEAL_SUBMITTED)
    return runtime.http_app(
        title="Appeals router",
        description="Assigns each appeal to the executor responsible, and explains why.",
        routers=[api.router],
    )
