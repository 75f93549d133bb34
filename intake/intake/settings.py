from pydantic import Field
from pydantic_settings import SettingsConfigDict

from intake.declaration import SERVICE
from services.settings import ServiceSettings, database_on_shared_server


class IntakeSettings(ServiceSettings):
    """Environment variables are prefixed `INTAKE_` (e.g. `INTAKE_DATABASE_URL`)."""

    model_config = SettingsConfigDict(env_prefix=f"{SERVICE.env_prefix}_", extra="ignore")

    service_name: str = SERVICE.name
    database_url: str = Field(default_factory=lambda: database_on_shared_server(SERVICE.database))
    http_port: int = SERVICE.port
    public_base_url: str = Field(
        default="", description="base URL shown in links to appeals (empty: relative links)"
    )
