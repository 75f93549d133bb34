"""`python -m staff_directory serve | migrate | load-city DIR | openapi`."""

from services.cli import service_cli
from staff_directory.city import load_city
from staff_directory.settings import DirectorySettings

cli = service_cli(
    settings=DirectorySettings,
    app_factory="staff_directory.app:create_app",
    migrations="staff_directory:store/migrations",
    load_city=load_city,
    help="Staff directory: the roles administrators grant to the city's and executors' staff.",
)
