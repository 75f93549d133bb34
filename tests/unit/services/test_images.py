"""Uploaded photos are kept only as clean re-encoded pictures (OWASP file-upload rules)."""

import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image

from services.images import ImageLimits, ImageRefused, clean_image

GPS_TAG = ExifTags.Base.GPSInfo


def photo(fmt: str = "JPEG", size: tuple[int, int] = (640, 480), **save: object) -> bytes:
    image = Image.new("RGB", size, (200, 80, 40))
    image.paste((20, 120, 220), (0, 0, size[0] // 2, size[1] // 3))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def with_gps_and_orientation(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Citizen's phone"
    exif[ExifTags.Base.Orientation] = orientation
    exif[GPS_TAG] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (62.0, 1.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (129.0, 43.0, 10.0),
    }
    return photo(exif=exif.tobytes(), comment=b"home address")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_are_kept_with_a_thumbnail(fmt: str) -> None:
    clean = clean_image(photo(fmt))
    assert clean.media_type == f"image/{fmt.lower()}"
    assert (clean.width, clean.height) == (640, 480)
    kept = Image.open(io.BytesIO(clean.content))
    assert kept.format == fmt
    thumb = Image.open(io.BytesIO(clean.thumbnail))
    assert thumb.format == "WEBP"
    assert max(thumb.size) == 320


def test_no_exif_gps_or_comment_leaves_the_server() -> None:
    uploaded = with_gps_and_orientation()
    assert Image.open(io.BytesIO(uploaded)).getexif().get(GPS_TAG) is not None
    clean = clean_image(uploaded)
    kept = Image.open(io.BytesIO(clean.content))
    assert not kept.getexif()
    assert "comment" not in kept.info
    assert "exif" not in kept.info
    assert b"GPS" not in clean.content
    assert b"home address" not in clean.content


def test_the_photo_still_stands_as_it_was_taken() -> None:
    """Orientation 6: the camera was turned; the clean picture is turned instead."""
    clean = clean_image(with_gps_and_orientation(orientation=6))
    assert (clean.width, clean.height) == (480, 640)


def test_anything_appended_after_the_picture_is_dropped() -> None:
    polyglot = photo() + b"PK\x03\x04<?php system($_GET['c']); ?>"
    clean = clean_image(polyglot)
    assert b"<?php" not in clean.content


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<?php system($_GET['c']); ?>", "not a JPEG, PNG or WebP"),
        (b"", "not a JPEG, PNG or WebP"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "not a"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "not a JPEG, PNG or WebP"),
    ],
)
def test_what_is_not_a_photo_is_refused_whatever_its_name(data: bytes, reason: str) -> None:
    with pytest.raises(ImageRefused, match=reason):
        clean_image(data)


def test_a_gif_is_refused() -> None:
    with pytest.raises(ImageRefused, match="not a JPEG, PNG or WebP"):
        clean_image(photo("GIF"))


def test_a_truncated_photo_is_refused_as_damaged() -> None:
    whole = photo(size=(1200, 900), quality=95)
    with pytest.raises(ImageRefused, match=r"damaged|cannot be read"):
        clean_image(whole[: len(whole) // 3])


def bomb(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height pixels, with almost no data behind it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [7_000, 10_000, 100_000])
def test_a_decompression_bomb_is_refused_before_it_is_decoded(side: int) -> None:
    with pytest.raises(ImageRefused) as refused:
        clean_image(bomb(side, side))
    assert "pixels" in str(refused.value)


def test_a_file_over_the_size_limit_is_refused_as_too_large() -> None:
    with pytest.raises(ImageRefused) as refused:
        clean_image(photo(), ImageLimits(max_bytes=1000))
    assert refused.value.too_large


def test_a_tiny_picture_shows_nothing() -> None:
    with pytest.raises(ImageRefused, match="too small"):
        clean_image(photo(size=(8, 8)))


def test_transparency_survives_in_png() -> None:
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    kept = Image.open(io.BytesIO(clean_image(out.getvalue()).content))
    assert kept.mode == "RGBA"


def test_the_same_photo_twice_is_the_same_file() -> None:
    assert clean_image(photo()).sha256 == clean_image(photo()).sha256
