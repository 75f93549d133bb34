"""`python -m intake serve | migrate | load-city DIR`."""

from pathlib import Path

import typer

from intake import city
from intake.settings import IntakeSettings
from services.cli import service_cli

cli = service_cli(
    settings=IntakeSettings,
    app_factory="intake.app:create_app",
    migrations="intake:store/migrations",
    help="Intake: citizens' appeals enter here.",
)


@cli.command("load-city")
def load_city(directory: Path) -> None:
    """Load the served area and the categories from a city directory (see deploy/demo-city)."""
    typer.echo(f"intake: loaded {city.run(directory)}")
