"""Composition root of executor-gateway."""

from fastapi import FastAPI

from contracts.topics import EXECUTOR_ASSIGNMENTS
from executor_gateway import api
from executor_gateway.actions import Actions
from executor_gateway.declaration import SERVICE
from executor_gateway.handlers import HANDLERS
from executor_gateway.settings import GatewaySettings
from services.adapters import REAL, Adapters
from services.runtime import ServiceRuntime


def create_app(settings: GatewaySettings | None = None, adapters: Adapters = REAL) -> FastAPI:
    """The service with the real adapters, or the ones a test passes in."""
    runtime = ServiceRuntime(SERVICE, settings or GatewaySettings(), adapters)
    runtime.consume(HANDLERS, EXECUTOR_ASSIGNMENTS, group="executor-assignments")
    app = runtime.http_app(
        title="Executor gateway",
        description="Executor organisations receive their assignments and answer them.",
        routers=[api.router],
    )
    app.state.actions = Actions(runtime.db, runtime.clock)
    return app
