"""The person's registered photo (一寸照片): checked, cropped and re-encoded, stored privately, shown after the
policy check. Certificates print it; regulators and class organisers compare 人像抓拍 snapshots against it.

An upload is decoded by Pillow (so what is stored is always an image we produced, never the uploaded bytes),
turned upright by its EXIF orientation, centre-cropped to the 一寸 proportion 5:7 (25 × 35 mm) and written as a
295 × 413 px JPEG (300 dpi). Decompression bombs are refused by size before decoding and by Pillow's pixel limit.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from app.archive.services import record_event
from app.core.errors import DomainError
from app.core.storage import storage
from app.extensions import db
from app.people import messages as _messages  # noqa: F401  (registers the photo codes)
from app.people.models import Person

#: 一寸 photo at 300 dpi.
SIZE = (295, 413)
#: Uploads larger than this many pixels are refused before they are decoded.
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG", "PNG", "WEBP"}


def decode_image(data: bytes, *, max_bytes: int, max_pixels: int = MAX_PIXELS, code: str = "photo") -> Image.Image:
    """Decode an uploaded JPEG/PNG/WebP with Pillow, bounded in bytes and pixels, turned upright, as RGB.

    Shared by the registered photo and the 人像抓拍 snapshots (``code`` names their error codes).

    :raises DomainError: ``<code>.too_large`` (bytes or pixels), ``<code>.not_an_image`` (not a JPEG/PNG/WebP).
    """
    too_large = DomainError(f"{code}.too_large", http_status=413, mb=max(1, max_bytes // (1024 * 1024)))
    if len(data) > max_bytes:
        raise too_large
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise DomainError(f"{code}.not_an_image", http_status=400)
            if image.width * image.height > max_pixels:
                raise too_large
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(f"{code}.not_an_image", http_status=400) from None
    return ImageOps.exif_transpose(image).convert("RGB")


def normalise_photo(data: bytes, *, max_bytes: int) -> bytes:
    """The upload as a 一寸 JPEG.

    :raises DomainError: ``photo.too_large`` (bytes or pixels), ``photo.not_an_image`` (not a JPEG/PNG/WebP).
    """
    image = decode_image(data, max_bytes=max_bytes)
    image = ImageOps.fit(image, SIZE, method=Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, optimize=True, dpi=(300, 300))
    return out.getvalue()


def set_photo(person: Person, data: bytes, *, actor, max_bytes: int) -> str:
    """Store ``data`` as the person's registered photo and record it in the 一人一档; returns the sha256."""
    jpeg = normalise_photo(data, max_bytes=max_bytes)
    stored = storage().put(f"photos/{person.id}/{_short(jpeg)}.jpg", jpeg, "image/jpeg")
    previous = person.photo_sha256
    db.session.execute(
        Person.__table__.update()
        .where(Person.__table__.c.id == person.id)
        .values(photo_key=stored.key, photo_sha256=stored.sha256)
    )
    db.session.refresh(person)
    record_event(
        person.id,
        "person.photo",
        {"sha256": stored.sha256, "replaced": previous},
        actor=actor,
        enterprise_id=actor.enterprise_id if actor is not None and actor.role.value == "enterprise" else None,
    )
    return stored.sha256


def _short(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:24]
