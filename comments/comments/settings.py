from pydantic import Field
from pydantic_settings import SettingsConfigDict

from comments.declaration import SERVICE
from services.photo_store import PhotoSettings
from services.settings import ServiceSettings, database_on_shared_server


class CommentsSettings(ServiceSettings, PhotoSettings):
    """Environment variables are prefixed `COMMENTS_` (e.g. `COMMENTS_DATABASE_URL`,
    `COMMENTS_BLOBS__URL=s3://bucket/comments`)."""

    model_config = SettingsConfigDict(
        env_prefix=f"{SERVICE.env_prefix}_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = SERVICE.name
    database_url: str = Field(default_factory=lambda: database_on_shared_server(SERVICE.database))
    http_port: int = SERVICE.port
    photos_per_comment: int = Field(
        default=5, ge=0, le=10, description="how many photos one comment may carry"
    )
