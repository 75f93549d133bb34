"""The command line every service has: `serve` and `migrate`; services add their own."""

from collections.abc import Callable

import typer
import uvicorn

from services.logs import configure_logging
from services.migrations import upgrade
from services.settings import ServiceSettings


def service_cli(
    *,
    settings: Callable[[], ServiceSettings],
    app_factory: str,
    migrations: str,
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

    return cli
