from pydantic import Field
from pydantic_settings import SettingsConfigDict

from router.declaration import SERVICE
from services.settings import ServiceSettings, database_on_shared_server


class RouterSettings(ServiceSettings):
    """Environment variables are prefixed `ROUTER_` (e.g. `ROUTER_DATABASE_URL`)."""

    model_config = SettingsConfigDict(env_prefix=f"{SERVICE.env_prefix}_", extra="ignore")

    service_name: str = SERVICE.name
    database_url: str = Field(default_factory=lambda: database_on_shared_server(SERVICE.database))
    http_port: int = SERVICE.port
    duplicate_radius_m: float = Field(
        default=50.0, gt=0, description="an open appeal of the same category this close …"
    )
    duplicate_window_days: float = Field(
        default=14.0, gt=0, description="… and at most this old makes a new one its duplicate"
    )
    max_redirects: int = Field(
        default=3, ge=0, description="after this many redirects an appeal goes to an operator"
    )
