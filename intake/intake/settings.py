from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.settings import ServiceSettings, database_on_shared_server


class IntakeSettings(ServiceSettings):
    """Environment variables are prefixed `INTAKE_` (e.g. `INTAKE_DATABASE_URL`)."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    service_name: str = "intake"
    database_url: str = Field(default_factory=lambda: database_on_shared_server("intake"))
    http_port: int = 8001
    public_base_url: str = Field(
        default="", description="base URL shown in links to appeals (empty: relative links)"
    )
