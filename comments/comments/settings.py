from pydantic import Field
from pydantic_settings import SettingsConfigDict

from comments.declaration import SERVICE
from services.blob_store import BlobStoreSettings
from services.images import ImageLimits
from services.settings import ServiceSettings, database_on_shared_server

MiB = 1024 * 1024


class CommentsSettings(ServiceSettings):
    """Environment variables are prefixed `COMMENTS_` (e.g. `COMMENTS_DATABASE_URL`,
    `COMMENTS_BLOBS__URL=s3://bucket/comments`)."""

    model_config = SettingsConfigDict(
        env_prefix=f"{SERVICE.env_prefix}_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = SERVICE.name
    database_url: str = Field(default_factory=lambda: database_on_shared_server(SERVICE.database))
    http_port: int = SERVICE.port
    blobs: BlobStoreSettings = Field(
        default_factory=BlobStoreSettings,
        description="where the photos are kept: a local directory by default, or S3",
    )
    photo_max_bytes: int = Field(
        default=10 * MiB, ge=1024, le=50 * MiB, description="the largest photo accepted"
    )
    photos_per_comment: int = Field(
        default=5, ge=0, le=10, description="how many photos one comment may carry"
    )
    photo_max_pixels: int = Field(
        default=40_000_000, ge=1, description="width × height a photo may have once decoded"
    )
    photo_thumbnail_px: int = Field(
        default=320, ge=32, le=2048, description="the long side of a photo's thumbnail"
    )

    def image_limits(self) -> ImageLimits:
        return ImageLimits(
            max_bytes=self.photo_max_bytes,
            max_pixels=self.photo_max_pixels,
            thumbnail_px=self.photo_thumbnail_px,
        )
