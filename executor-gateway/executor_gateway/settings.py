from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.settings import ServiceSettings, database_on_shared_server


class GatewaySettings(ServiceSettings):
    """Environment variables are prefixed `GATEWAY_` (e.g. `GATEWAY_DATABASE_URL`)."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service_name: str = "executor-gateway"
    database_url: str = Field(default_factory=lambda: database_on_shared_server("executor_gateway"))
    http_port: int = 8003
