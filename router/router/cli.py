"""`python -m router serve | migrate | load-city DIR`."""

from pathlib import Path

import typer

from router import city
from router.settings import RouterSettings
from services.cli import service_cli

cli = service_cli(
    settings=RouterSettings,
    app_factory="router.app:create_app",
    migrations="router:store/migrations",
    help="Router: assigns appeals to executors.",
)


@cli.command("load-city")
def load_city(directory: Path) -> None:
    """Load territories, executors, categories and rules from a city directory."""
    typer.echo(f"router: loaded {city.run(directory)}")
