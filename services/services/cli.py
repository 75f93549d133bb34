"""The command line every service has: `serve` and `migrate`; services add their own."""

import asyncio
import importlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import typer
import uvicorn
from fastapi import FastAPI

from services.db import Database
from services.kafka import KafkaTopicAdmin, TopicAdmin
from services.logs import configure_logging
from services.migrations import upgrade
from services.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)

CityLoader = Callable[[S, Database, Path, TopicAdmin], Awaitable[str]]
"""Loads the service's part of a city directory in one transaction (creating the topics
it needs through the admin); returns a summary."""


def service_cli(
    *,
    settings: Callable[[], S],
    app_factory: str,
    migrations: str,
    load_city: CityLoader[S],
    help: str,
) -> typer.Typer:
    """`app_factory` is an import string (`intake.app:create_app`); `migrations` is
    `package:path` of the service's alembic scripts."""
    cli = typer.Typer(help=help, no_args_is_help=True, add_completion=False)

    @cli.command()
    def serve() -> None:
        """Run the service: HTTP API, consumers and outbox relay."""
        s = settings()
        uvicorn.run(
            app_factory,
            factory=True,
            host=s.http_host,
            port=s.http_port,
            log_config=None,
            access_log=False,
        )

    @cli.command()
    def migrate() -> None:
        """Create the service's database if missing and migrate it to the newest schema."""
        s = settings()
        configure_logging(s.service_name, s.log_level, s.log_format)
        upgrade(migrations, s.database_url)
        typer.echo(f"{s.service_name}: database migrated")

    @cli.command("load-city")
    def load_city_command(directory: Path) -> None:
        """Load the service's part of a city directory (see deploy/demo-city)."""
        s = settings()
        configure_logging(s.service_name, s.log_level, s.log_format)

        async def load() -> str:
            db = Database(s.database_url)
            try:
                return await load_city(s, db, directory, KafkaTopicAdmin(s.kafka))
            finally:
                await db.dispose()

        typer.echo(f"{s.service_name}: loaded {asyncio.run(load())}")

    @cli.command()
    def openapi(
        check: bool = typer.Option(False, "--check", help="fail if the file is stale"),
    ) -> None:
        """Write the HTTP API's OpenAPI document to the service folder's openapi.json."""
        module_name, factory_name = app_factory.split(":")
        module = importlib.import_module(module_name)
        app: FastAPI = getattr(module, factory_name)()
        text = json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"
        assert module.__file__ is not None
        target = Path(module.__file__).resolve().parent.parent / "openapi.json"
        if not check:
            target.write_text(text)
            typer.echo(f"wrote {target}")
        elif not target.exists() or target.read_text() != text:
            typer.echo(f"{target} is stale; run python -m {module_name.split('.')[0]} openapi")
            raise typer.Exit(1)

    return cli
