from pydantic import Field
from pydantic_settings import SettingsConfigDict

from executor_gateway.declaration import SERVICE
from services.settings import ServiceSettings, database_on_shared_server


class GatewaySettings(ServiceSettings):
    """Environment variables are prefixed `GATEWAY_` (e.g. `GATEWAY_DATABASE_URL`)."""

    model_config = SettingsConfigDict(env_prefix=f"{SERVICE.env_prefix}_", extra="ignore")

    service_name: str = SERVICE.name
    database_url: str = Field(default_factory=lambda: database_on_shared_server(SERVICE.database))
    http_port: int = SERVICE.port
    clarification_wait_days: float = Field(
        default=10,
        gt=0,
        description="how long the citizen has to answer a question before the executor may"
        " close the appeal for want of an answer",
    )
