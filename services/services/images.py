"""Photos people upload, made safe to keep and to show (the OWASP file-upload rules).

- Only JPEG, PNG and WebP, recognised by their content, never by the file name or the
  declared content type: anything else — a script named `.jpg`, a GIF, an SVG, a PDF — is
  refused with the reason.
- At most `max_bytes`, and at most `max_pixels` once decoded: a decompression bomb (a
  small file that claims a huge picture) is refused before it is decoded.
- Decoded and encoded again from the pixels alone, so EXIF (GPS, camera, owner), ICC and
  XMP metadata, comments and anything appended after the picture (a polyglot) never leave
  the server. The EXIF orientation is applied first, so the photo still stands as taken;
  an animated picture keeps its first frame.
- A thumbnail (WebP) no larger than `thumbnail_px` on its long side.

Pure CPU work: services call `clean_image` through `asyncio.to_thread`.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
"""What is accepted, by the format Pillow recognises in the content."""


class ImageRefused(ValueError):
    """Not a photo the platform keeps (HTTP 422 or 413 with this reason)."""

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.too_large = too_large


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000
    """Width × height: a 40-megapixel photo is fine, a 100 000 × 100 000 bomb is not."""
    min_side: int = 16
    thumbnail_px: int = 320
    jpeg_quality: int = 85


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    media_type: str
    width: int
    height: int
    thumbnail: bytes
    """WebP."""
    sha256: str
    """Of `content`: the same photo uploaded twice is the same file."""

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[self.media_type]


THUMBNAIL_MEDIA_TYPE = "image/webp"


def clean_image(data: bytes, limits: ImageLimits = ImageLimits()) -> CleanImage:
    """The photo in `data`, re-encoded without metadata, and its thumbnail; raises
    `ImageRefused` with the reason."""
    if len(data) > limits.max_bytes:
        raise ImageRefused(
            f"the photo is {len(data)} bytes; at most {limits.max_bytes} are accepted",
            too_large=True,
        )
    original = _open(data, limits)
    picture = _pixels(original)
    media_type = FORMATS[str(original.format)]
    content = _encode(picture, str(original.format), limits)
    thumbnail = picture.copy()
    thumbnail.thumbnail((limits.thumbnail_px, limits.thumbnail_px))
    thumb = io.BytesIO()
    thumbnail.save(thumb, "WEBP", quality=80)
    return CleanImage(
        content=content,
        media_type=media_type,
        width=picture.width,
        height=picture.height,
        thumbnail=thumb.getvalue(),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _open(data: bytes, limits: ImageLimits) -> Image.Image:
    """Recognise the format and check the size the header claims, before decoding."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
        except UnidentifiedImageError as error:
            raise ImageRefused("not a JPEG, PNG or WebP picture") from error
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRefused("the picture claims more pixels than any photo has") from error
        except (OSError, ValueError, SyntaxError) as error:
            raise ImageRefused(f"the picture cannot be read: {error}") from error
    width, height = image.size
    if width * height > limits.max_pixels:
        raise ImageRefused(
            f"the picture is {width}×{height} pixels; at most {limits.max_pixels} are accepted",
            too_large=True,
        )
    if min(width, height) < limits.min_side:
        raise ImageRefused(f"the picture is {width}×{height} pixels: too small to show anything")
    return image


def _pixels(image: Image.Image) -> Image.Image:
    """Decode the first frame completely and keep nothing but its pixels, standing upright."""
    try:
        image.seek(0)
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise ImageRefused(f"the picture is damaged: {error}") from error
    mode = "RGBA" if _has_alpha(upright) else "RGB"
    converted = upright.convert(mode)
    bare = Image.new(mode, converted.size)
    bare.paste(converted)
    return bare


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )


def _encode(picture: Image.Image, fmt: str, limits: ImageLimits) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        picture.convert("RGB").save(out, "JPEG", quality=limits.jpeg_quality, optimize=True)
    elif fmt == "PNG":
        picture.save(out, "PNG", optimize=True)
    else:
        picture.save(out, "WEBP", quality=limits.jpeg_quality)
    return out.getvalue()
