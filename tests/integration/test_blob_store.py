"""Photos are kept in a local directory or an S3-compatible store; both behave the same.
The S3 one is tested against moto's S3 server over real HTTP (the S3 REST API)."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from services.blob_store import BlobNotFound, BlobStore, BlobStoreSettings, LocalBlobStore
from tests.infrastructure import free_port


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["local", "s3"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, s3_endpoint: str
) -> AsyncIterator[BlobStore]:
    if request.param == "local":
        settings = BlobStoreSettings(url=tmp_path.as_uri())
    else:
        settings = BlobStoreSettings(
            url="s3://appeal-photos/intake",
            s3_endpoint_url=s3_endpoint,
            s3_access_key_id="test",
            s3_secret_access_key="test",
        )
    made = settings.store("intake")
    if request.param == "s3":
        s3 = await made._s3()  # type: ignore[attr-defined]
        await s3.create_bucket(Bucket="appeal-photos")
    try:
        yield made
    finally:
        await made.close()


async def test_what_is_put_is_got_back_and_deleted(store: BlobStore) -> None:
    key = "appeals/0191/3f2a.jpg"
    await store.put(key, b"\xff\xd8 a photo", "image/jpeg")
    assert await store.get(key) == b"\xff\xd8 a photo"
    await store.put(key, b"\xff\xd8 replaced", "image/jpeg")
    assert await store.get(key) == b"\xff\xd8 replaced"
    await store.delete(key)
    with pytest.raises(BlobNotFound):
        await store.get(key)
    await store.delete(key)  # nothing there is fine


@pytest.mark.parametrize("key", ["../etc/passwd", "a/../../b", "/abs", "", "a/", "a b"])
async def test_a_key_never_leaves_the_stores_directory(store: BlobStore, key: str) -> None:
    with pytest.raises(ValueError, match="not a storage key"):
        await store.put(key, b"x", "image/jpeg")


def test_the_default_store_is_a_directory_under_the_state_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPEALS_STATE_DIR", str(tmp_path))
    store = BlobStoreSettings().store("intake")
    assert store == LocalBlobStore(tmp_path / "blobs" / "intake")


def test_an_unknown_kind_of_store_is_refused() -> None:
    with pytest.raises(ValueError, match="file:///dir or s3://bucket"):
        BlobStoreSettings(url="ftp://somewhere").store("intake")
