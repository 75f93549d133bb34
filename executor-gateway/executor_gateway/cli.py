"""`python -m executor_gateway serve | migrate | load-city DIR | openapi`."""

from executor_gateway.city import load_city
from executor_gateway.settings import GatewaySettings
from services.cli import service_cli

cli = service_cli(
    settings=GatewaySettings,
    app_factory="executor_gateway.app:create_app",
    migrations="executor_gateway:store/migrations",
    load_city=load_city,
    help="Executor gateway: executors receive and answer assignments.",
)
