"""The chassis keeps photos clean, by content, and reads them back as served."""

import io
import re
from pathlib import Path
from uuid import uuid4

import pytest
from PIL import Image

from services.blob_store import LocalBlobStore
from services.images import ImageLimits, ImageRefused
from services.photo_api import upload_path
from services.photo_store import PhotoColumns, PhotoSettings, PhotoStore
from tests.unit.services.test_images import photo, with_gps_and_orientation


def store(root: Path) -> PhotoStore:
    return PhotoStore(LocalBlobStore(root), ImageLimits(max_bytes=2**20, thumbnail_px=64))


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


async def test_a_kept_photo_is_clean_and_named_by_its_content(tmp_path: Path) -> None:
    kept = await store(tmp_path).keep("appeals/a1", with_gps_and_orientation())
    assert kept.key == f"appeals/a1/{kept.sha256}.jpg"
    assert kept.thumbnail_key == f"appeals/a1/{kept.sha256}.thumbnail.webp"
    content = (tmp_path / kept.key).read_bytes()
    assert len(content) == kept.size
    assert not Image.open(io.BytesIO(content)).getexif()
    assert b"GPS" not in content
    thumbnail = Image.open(tmp_path / kept.thumbnail_key)
    assert (thumbnail.format, max(thumbnail.size)) == ("WEBP", 64)
    again = await store(tmp_path).keep("appeals/a1", with_gps_and_orientation())
    assert again == kept


async def test_a_refused_photo_leaves_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(ImageRefused, match="not a JPEG"):
        await store(tmp_path).keep("appeals/a1", b"<?php echo 1; ?>")
    with pytest.raises(ImageRefused) as too_large:
        await store(tmp_path).keep("appeals/a1", b"\xff" * (2**20 + 1))
    assert too_large.value.too_large
    assert files_under(tmp_path) == []


async def test_a_folder_cannot_step_out_of_the_store(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a storage key"):
        await store(tmp_path / "root").keep("../elsewhere", photo())


async def test_the_photo_and_its_thumbnail_are_read_back_as_served(tmp_path: Path) -> None:
    files = store(tmp_path)
    kept = await files.keep("answers/x", photo("PNG"))
    row = PhotoColumns(photo_id=uuid4(), **kept.columns())
    full = await files.read(row, thumbnail=False, public=True)
    assert (full.media_type, full.filename, full.public) == (
        "image/png",
        f"{row.photo_id}.png",
        True,
    )
    assert full.content == (tmp_path / kept.key).read_bytes()
    small = await files.read(row, thumbnail=True, public=False)
    assert (small.media_type, small.filename, small.public) == (
        "image/webp",
        f"{row.photo_id}-thumbnail.webp",
        False,
    )


def test_the_settings_give_the_image_limits() -> None:
    settings = PhotoSettings(photo_max_bytes=2048, photo_max_pixels=100, photo_thumbnail_px=40)
    assert settings.image_limits() == ImageLimits(max_bytes=2048, max_pixels=100, thumbnail_px=40)


def test_an_upload_route_allows_larger_bodies_on_its_paths_alone() -> None:
    pattern = upload_path("/executors/{executor_id}/assignments/{appeal_id}/photos")
    assert pattern == "/executors/[^/]+/assignments/[^/]+/photos"
    assert re.fullmatch(pattern, "/executors/uk-1/assignments/abc/photos")
    assert not re.fullmatch(pattern, "/executors/uk-1/assignments/abc/photos/x")
    assert not re.fullmatch(pattern, "/executors/uk-1/x/assignments/abc/photos")
