"""Composition root of the staff directory."""

from fastapi import FastAPI

from services.adapters import REAL, Adapters
from services.runtime import ServiceRuntime
from staff_directory import api
from staff_directory.declaration import SERVICE
from staff_directory.directory import Directory
from staff_directory.settings import DirectorySettings


def create_app(settings: DirectorySettings | None = None, adapters: Adapters = REAL) -> FastAPI:
    """The service with the real adapters, or the ones a test passes in."""
    settings = settings or DirectorySettings()
    runtime = ServiceRuntime(SERVICE, settings, adapters)
    app = runtime.http_app(
        title="Staff directory",
        description="Administrators grant the city's and executors' staff their roles; every"
        " service applies them to the staff's tokens.",
        routers=[api.router],
    )
    app.state.directory = Directory(runtime.db, runtime.clock, settings.identity_issuers)
    return app
