"""`python -m executor_gateway serve | migrate | load-city DIR`."""

from pathlib import Path

import typer

from executor_gateway import city
from executor_gateway.settings import GatewaySettings
from services.cli import service_cli

cli = service_cli(
    settings=GatewaySettings,
    app_factory="executor_gateway.app:create_app",
    migrations="executor_gateway:store/migrations",
    help="Executor gateway: executors receive and answer assignments.",
)


@cli.command("load-city")
def load_city(directory: Path) -> None:
    """Load the executor organisations from a city directory."""
    typer.echo(f"executor-gateway: loaded {city.run(directory)}")
