"""Composition root of executor-gateway."""

from fastapi import FastAPI

from contracts.topics import EXECUTOR_ASSIGNMENTS_PATTERN
from executor_gateway import api
from executor_gateway.actions import Actions
from executor_gateway.handlers import HANDLERS
from executor_gateway.settings import GatewaySettings
from services.runtime import ServiceRuntime


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    runtime = ServiceRuntime(settings or GatewaySettings())
    runtime.consume(HANDLERS, pattern=EXECUTOR_ASSIGNMENTS_PATTERN, group="executor-assignments")
    app = runtime.http_app(
        title="Executor gateway",
        description="Executor organisations receive their assignments and answer them.",
        routers=[api.router],
    )
    app.state.actions = Actions(runtime.db)
    return app
