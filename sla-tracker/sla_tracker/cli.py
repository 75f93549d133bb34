"""`python -m sla_tracker serve | migrate | load-city DIR | openapi`."""

from services.cli import service_cli
from sla_tracker.city import load_city
from sla_tracker.settings import SlaSettings

cli = service_cli(
    settings=SlaSettings,
    app_factory="sla_tracker.app:create_app",
    migrations="sla_tracker:store/migrations",
    load_city=load_city,
    help="SLA tracker: the legal clocks of appeals.",
)
