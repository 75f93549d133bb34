"""`python -m router serve | migrate | load-city DIR | openapi`."""

from router.city import load_city
from router.settings import RouterSettings
from services.cli import service_cli

cli = service_cli(
    settings=RouterSettings,
    app_factory="router.app:create_app",
    migrations="router:store/migrations",
    load_city=load_city,
    help="Router: assigns appeals to executors.",
)
