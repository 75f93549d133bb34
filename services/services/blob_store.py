"""Where a service keeps the files it owns (photos): a local directory by default, an
S3-compatible object store (MinIO, Yandex Object Storage, AWS) by configuration.

Keys are the service's own (`appeals/<id>/<sha256>.jpg`): letters, digits, `-`, `_`, `.`
and `/` only, never `..`, so a key can never step out of its directory or bucket prefix.
"""

import asyncio
import os
import re
import tempfile
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from aiobotocore.session import get_session
from botocore.exceptions import ClientError
from pydantic import BaseModel, Field, SecretStr

KEY = re.compile(r"^(?!.*\.\.)[A-Za-z0-9_-][A-Za-z0-9_./-]{0,511}$")


class BlobNotFound(LookupError):
    pass


def check_key(key: str) -> str:
    if not KEY.match(key) or key.endswith("/"):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class BlobStore(Protocol):
    async def put(self, key: str, data: bytes, media_type: str) -> None:
        """Store `data` under `key` (replacing what was there)."""

    async def get(self, key: str) -> bytes:
        """What is stored under `key`; raises `BlobNotFound`."""

    async def delete(self, key: str) -> None:
        """Forget `key` (nothing there is fine)."""

    async def close(self) -> None:
        """Release connections (the service is stopping)."""


@dataclass(frozen=True)
class LocalBlobStore:
    """Files under `root`, written whole (a temporary file renamed into place)."""

    root: Path

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, data: bytes, media_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as temporary:
            temporary.write(data)
            temporary.flush()
            os.fsync(temporary.fileno())
        os.replace(temporary.name, path)

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self._path(key).read_bytes)
        except FileNotFoundError as error:
            raise BlobNotFound(key) from error

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def close(self) -> None:
        return None


@dataclass
class S3BlobStore:
    """Objects in `bucket` under `prefix`, through the S3 API (aiobotocore)."""

    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: SecretStr | None = None
    _client: Any = field(default=None, init=False)
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack, init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    async def _s3(self) -> Any:
        async with self._lock:
            if self._client is None:
                secret = self.secret_access_key
                self._client = await self._stack.enter_async_context(
                    get_session().create_client(
                        "s3",
                        endpoint_url=self.endpoint_url,
                        region_name=self.region,
                        aws_access_key_id=self.access_key_id,
                        aws_secret_access_key=secret.get_secret_value() if secret else None,
                    )
                )
            return self._client

    def _key(self, key: str) -> str:
        return f"{self.prefix}{check_key(key)}"

    async def put(self, key: str, data: bytes, media_type: str) -> None:
        s3 = await self._s3()
        await s3.put_object(
            Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=media_type
        )

    async def get(self, key: str) -> bytes:
        s3 = await self._s3()
        try:
            answer = await s3.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise BlobNotFound(key) from error
            raise
        async with answer["Body"] as body:
            data: bytes = await body.read()
        return data

    async def delete(self, key: str) -> None:
        s3 = await self._s3()
        await s3.delete_object(Bucket=self.bucket, Key=self._key(key))

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = None


class BlobStoreSettings(BaseModel):
    """How a service that keeps files reaches its store (`<PREFIX>_BLOBS__...`)."""

    url: str | None = Field(
        default=None,
        description="file:///a/directory or s3://bucket/optional/prefix; none: a directory"
        " under the platform's state directory",
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="an S3-compatible endpoint (MinIO, Yandex Object Storage)"
    )
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None

    def store(self, service: str) -> BlobStore:
        url = self.url or (_state_dir() / "blobs" / service).as_uri()
        parts = urlsplit(url)
        if parts.scheme == "file":
            return LocalBlobStore(Path(parts.path))
        if parts.scheme == "s3" and parts.netloc:
            prefix = parts.path.strip("/")
            return S3BlobStore(
                bucket=parts.netloc,
                prefix=f"{prefix}/" if prefix else "",
                endpoint_url=self.s3_endpoint_url,
                region=self.s3_region,
                access_key_id=self.s3_access_key_id,
                secret_access_key=self.s3_secret_access_key,
            )
        raise ValueError(f"blob store URL must be file:///dir or s3://bucket[/prefix]: {url!r}")


def _state_dir() -> Path:
    return Path(os.environ.get("APPEALS_STATE_DIR", "~/.local/state/appeals-platform")).expanduser()
