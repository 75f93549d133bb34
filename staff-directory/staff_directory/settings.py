from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.settings import ServiceSettings, database_on_shared_server
from staff_directory.declaration import SERVICE


class DirectorySettings(ServiceSettings):
    """Environment variables are prefixed `STAFF_` (e.g. `STAFF_DATABASE_URL`)."""

    model_config = SettingsConfigDict(env_prefix=f"{SERVICE.env_prefix}_", extra="ignore")

    service_name: str = SERVICE.name
    database_url: str = Field(default_factory=lambda: database_on_shared_server(SERVICE.database))
    http_port: int = SERVICE.port
