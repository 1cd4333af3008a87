"""Reading an uploaded picture (a registered photo, a 人像抓拍 snapshot, a picture given to the face check) within
one bound: :data:`MAX_PIXELS`, checked on the header before anything is decoded."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from app.core.errors import DomainError

#: Pixels a picture may decode to, checked on the header before decoding: the decoded memory (about 4 bytes a
#: pixel, and a copy or two while it is turned and cropped) is bounded, not only the file (a 116 KB PNG of
#: 6,300 × 6,300 px decodes to ~450 MB). A larger JPEG decodes at 1/2, 1/4 or 1/8 scale when that fits.
#: The one limit of every picture read: the registered photo, the 人像抓拍 snapshots and the face check (a 4K frame
#: has 8.3 M, a 12 MP phone photo 12 M).
MAX_PIXELS = 12_000_000
FORMATS = {"JPEG", "PNG", "WEBP"}


def decode_image(data: bytes, *, max_bytes: int | None, code: str = "photo", side: int | None = None) -> Image.Image:
    """Decode a JPEG/PNG/WebP with Pillow, bounded in bytes and in :data:`MAX_PIXELS`, turned upright, as RGB.

    :param max_bytes: the upload's size limit; None for a picture we stored (bounded when it was uploaded) or an
        operator's file.
    :param code: names the error codes (``photo``, ``snapshot``).
    :param side: the size the caller will scale it to: a JPEG decodes at the smallest scale that still gives that
        many pixels a side (the face check needs no more).
    :raises DomainError: ``<code>.too_large`` (bytes), ``<code>.too_many_pixels`` (``width``, ``height``, ``mp``:
        what it would decode to, and the limit in megapixels), ``<code>.not_an_image`` (not a JPEG/PNG/WebP).
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise DomainError(f"{code}.too_large", http_status=413, mb=max(1, max_bytes // (1024 * 1024)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            if image.format not in FORMATS:
                raise DomainError(f"{code}.not_an_image", http_status=400)
            width, height = image.size
            if image.format == "JPEG":
                wanted = (width, height)
                if width * height > MAX_PIXELS:
                    scale = next((s for s in (2, 4, 8) if -(-width // s) * -(-height // s) <= MAX_PIXELS), 8)
                    wanted = (-(-width // scale), -(-height // scale))
                if side is not None:
                    wanted = (min(wanted[0], side), min(wanted[1], side))
                if wanted != (width, height):
                    image.draft("RGB", wanted)
            if image.width * image.height > MAX_PIXELS:
                raise DomainError(
                    f"{code}.too_many_pixels",
                    http_status=413,
                    width=width,
                    height=height,
                    mp=round(MAX_PIXELS / 1_000_000),
                )
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(f"{code}.not_an_image", http_status=400) from None
    return ImageOps.exif_transpose(image).convert("RGB")
