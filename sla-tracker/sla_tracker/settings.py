from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.settings import ServiceSettings, database_on_shared_server
from sla_tracker.declaration import SERVICE


class SlaSettings(ServiceSettings):
    """Environment variables are prefixed `SLA_` (e.g. `SLA_DATABASE_URL`)."""

    model_config = SettingsConfigDict(
        env_prefix=f"{SERVICE.env_prefix}_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = SERVICE.name
    database_url: str = Field(default_factory=lambda: database_on_shared_server(SERVICE.database))
    http_port: int = SERVICE.port
    tick_batch: int = Field(
        default=500, ge=1, le=10_000, description="clocks the ticker fires in one transaction"
    )
    tick_passes: int = Field(
        default=2, ge=1, le=16, description="transactions the ticker runs side by side in a burst"
    )
