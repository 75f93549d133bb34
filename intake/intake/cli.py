"""`python -m intake serve | migrate | load-city DIR | openapi`."""

from intake.city import load_city
from intake.settings import IntakeSettings
from services.cli import service_cli

cli = service_cli(
    settings=IntakeSettings,
    app_factory="intake.app:create_app",
    migrations="intake:store/migrations",
    load_city=load_city,
    help="Intake: citizens' appeals enter here.",
)
