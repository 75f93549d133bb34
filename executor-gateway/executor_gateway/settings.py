from pydantic import Field
from pydantic_settings import SettingsConfigDict

from executor_gateway.declaration import SERVICE
from services.photo_store import PhotoSettings
from services.settings import ServiceSettings, database_on_shared_server


class GatewaySettings(ServiceSettings, PhotoSettings):
    """Environment variables are prefixed `GATEWAY_` (e.g. `GATEWAY_DATABASE_URL`,
    `GATEWAY_BLOBS__URL=s3://bucket/answers` for the answers' photos)."""

    model_config = SettingsConfigDict(
        env_prefix=f"{SERVICE.env_prefix}_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = SERVICE.name
    database_url: str = Field(default_factory=lambda: database_on_shared_server(SERVICE.database))
    http_port: int = SERVICE.port
    clarification_wait_days: float = Field(
        default=10,
        gt=0,
        description="how long the citizen has to answer a question before the executor may"
        " close the appeal for want of an answer",
    )
    photos_per_answer: int = Field(
        default=5, ge=0, le=20, description="how many photos an executor may add to an answer"
    )
