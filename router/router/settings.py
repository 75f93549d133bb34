from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.settings import ServiceSettings, database_on_shared_server


class RouterSettings(ServiceSettings):
    """Environment variables are prefixed `ROUTER_` (e.g. `ROUTER_DATABASE_URL`)."""

    model_config = SettingsConfigDict(env_prefix="ROUTER_", extra="ignore")

    service_name: str = "router"
    database_url: str = Field(default_factory=lambda: database_on_shared_server("router"))
    http_port: int = 8002
