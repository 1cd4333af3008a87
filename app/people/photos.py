"""The person's registered photo (一寸照片): checked, cropped and re-encoded, stored privately, shown after the
policy check. Certificates print it; regulators and class organisers compare 人像抓拍 snapshots against it.

An upload is decoded by Pillow (so what is stored is always an image we produced, never the uploaded bytes),
turned upright by its EXIF orientation, centre-cropped to the 一寸 proportion 5:7 (25 × 35 mm) and written as a
295 × 413 px JPEG (300 dpi). Decompression bombs are refused by size before decoding (``app.people.images``).
With face detection on (``ANPEI_FACE_DETECTOR``, ``app.people.faces.count_faces``) the cropped photo must show
exactly one face. Its perceptual hash (:func:`picture_hash`) is kept, so a 人像抓拍 that is this photo again is
refused (``app.people.snapshots``).

A photo replaced by another is used by nothing any more (certificates print the current one, snapshots are compared
with it and shown beside it), so its file is deleted once the replacement commits — unless a layer above keeps it
(:func:`keeps_replaced`: a legal hold, ``app.records.holds``; the purge deletes it after the hold).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import sqlalchemy as sa
from PIL import Image, ImageOps

from app.archive.services import record_event
from app.core.errors import DomainError
from app.core.storage import delete_after_commit, storage
from app.extensions import db
from app.people import faces
from app.people import messages as _messages  # noqa: F401  (registers the photo codes)
from app.people.images import decode_image
from app.people.models import Person

#: 一寸 photo at 300 dpi.
SIZE = (295, 413)
#: A picture is hashed whole and with these shares cut off each edge (its central 92 % and 84 %), so that a
#: slightly cropped or zoomed copy still meets one of the original's hashes.
HASH_CROPS = (0.0, 0.04, 0.08)

#: ``fn(person_id) -> bool``: True keeps the file of the person's replaced photo (registered by layers above).
_KEEPERS: list[Callable[[int], bool]] = []
#: ``fn(person_id)``: the person's registered photo may be used no more (registered by layers above).
_RETIRED: list[Callable[[int], None]] = []


def keeps_replaced(fn: Callable[[int], bool]) -> Callable[[int], bool]:
    """Register ``fn(person_id)``: while it answers True a replaced photo's file stays in storage (once, however
    often the registering module is imported)."""
    if fn not in _KEEPERS:
        _KEEPERS.append(fn)
    return fn


def on_retired(fn: Callable[[int], None]) -> Callable[[int], None]:
    """Register ``fn(person_id)``, called in the same transaction when the person's registered photo may be used no
    more — the photo purged (``app.records.purge``) — so that
    what a layer above made from it goes too (certificate PDFs that print it: ``app.certificates.rendering``). It
    may write (flush), never commit."""
    if fn not in _RETIRED:
        _RETIRED.append(fn)
    return fn


def retired(person_id: int) -> None:
    """Tell the :func:`on_retired` listeners that the person's photo may be used no more."""
    for fn in _RETIRED:
        fn(person_id)


def picture_hash(image: Image.Image) -> str:
    """The perceptual hashes of a picture: imagehash's pHash (the signs of the 8 × 8 lowest frequencies of the DCT
    of its 32 × 32 greyscale, 64 bits as 16 hex digits) of the whole picture and of its central crops
    (:data:`HASH_CROPS`), 48 hex digits in all. A re-encoded, lighter or darker copy keeps all but a few bits of the
    whole picture's hash; a copy cropped or zoomed by up to ~10 % meets one of the crops' (docs/snapshots.md)."""
    import imagehash  # numpy and scipy: imported on first use, not by ``import app``

    w, h = image.size
    crops = [image.crop((round(w * c), round(h * c), w - round(w * c), h - round(h * c))) for c in HASH_CROPS]
    return "".join(str(imagehash.phash(crop)) for crop in crops)


def hash_distance(a: str, b: str) -> int:
    """How many of 64 bits differ between the closest pair of hashes of two :func:`picture_hash` values."""
    ones = [int(a[i : i + 16], 16) for i in range(0, len(a), 16)]
    others = [int(b[i : i + 16], 16) for i in range(0, len(b), 16)]
    return min((x ^ y).bit_count() for x in ones for y in others)


def _cropped(data: bytes, *, max_bytes: int) -> Image.Image:
    image = decode_image(data, max_bytes=max_bytes)
    return ImageOps.fit(image, SIZE, method=Image.Resampling.LANCZOS, centering=(0.5, 0.4))


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, optimize=True, dpi=(300, 300))
    return out.getvalue()


def normalise_photo(data: bytes, *, max_bytes: int) -> bytes:
    """The upload as a 一寸 JPEG.

    :raises DomainError: ``photo.too_large`` (bytes or pixels), ``photo.not_an_image`` (not a JPEG/PNG/WebP).
    """
    return _jpeg(_cropped(data, max_bytes=max_bytes))


def check_one_face(image: Image.Image) -> None:
    """With face detection on, the cropped photo must show exactly one face.

    :raises DomainError: ``photo.no_face``, ``photo.several_faces`` (``n``).
    """
    found = faces.count_faces(image)
    if found is None or found == 1:
        return
    if found == 0:
        raise DomainError("photo.no_face", http_status=422)
    raise DomainError("photo.several_faces", http_status=422, n=found)


def set_photo(person: Person, data: bytes, *, actor, max_bytes: int) -> str:
    """Store ``data`` as the person's registered photo and record it in the 一人一档; returns the sha256.

    After the person withdrew consent to their photo only the person may upload one again (that upload is their
    consent anew); it clears the withdrawal and the "deleted" mark of a purged photo. The replaced photo's file is
    deleted after the commit, unless a keeper (:func:`keeps_replaced`) holds it.

    :raises DomainError: ``photo.consent_withdrawn`` (someone else, after the withdrawal), an upload error
        (:func:`decode_image`), or :func:`check_one_face`'s.
    """
    own = actor is not None and actor.role.value == "worker" and actor.person_id == person.id
    if person.photo_consent_withdrawn_at is not None and not own:
        raise DomainError("photo.consent_withdrawn", http_status=409)
    image = _cropped(data, max_bytes=max_bytes)
    check_one_face(image)
    jpeg = _jpeg(image)
    stored = storage().put(f"photos/{person.id}/{_short(jpeg)}.jpg", jpeg, "image/jpeg")
    # The photo this one replaces and the consent, read again under the row's lock: an upload committed meanwhile
    # is the one replaced (and its file deleted), and a withdrawal committed meanwhile stands — not what this
    # request loaded, which would leave that upload's file behind unnamed, or undo the person's withdrawal.
    table = Person.__table__
    previous, previous_key, withdrawn_at = db.session.execute(
        sa.select(table.c.photo_sha256, table.c.photo_key, table.c.photo_consent_withdrawn_at)
        .where(table.c.id == person.id)
        .with_for_update()
    ).one()
    if withdrawn_at is not None and not own:
        if stored.key != previous_key:
            storage().delete(stored.key)
        raise DomainError("photo.consent_withdrawn", http_status=409)
    db.session.execute(
        table.update()
        .where(table.c.id == person.id)
        .values(
            photo_key=stored.key,
            photo_sha256=stored.sha256,
            photo_phash=picture_hash(image),
            photo_consent_withdrawn_at=None,
            photo_purged_at=None,
        )
    )
    db.session.refresh(person)
    record_event(
        person.id,
        "person.photo",
        {"sha256": stored.sha256, "replaced": previous},
        actor=actor,
        enterprise_id=actor.enterprise_id if actor is not None and actor.role.value == "enterprise" else None,
    )
    if previous_key and previous_key != stored.key and not any(keep(person.id) for keep in _KEEPERS):
        delete_after_commit(previous_key)
    return stored.sha256


def withdraw_photo_consent(person: Person, *, actor, now) -> bool:
    """The person withdraws consent to their registered photo (个人信息保护法 第十五条): marked, and written into the
    一人一档; no new 人像抓拍 is compared with it from now on (:func:`usable`), and the nightly purge deletes it once
    nothing depends on it (``app.records.retention.photo_may_go``). A certificate in force still prints it: the card's
    photo is the issuing authority's statutory record (个人信息保护法 第十三条第一款第三项), not a use by consent.
    One conditional UPDATE: False when there is no photo or it was already withdrawn."""
    table = Person.__table__
    done = db.session.execute(
        sa.update(table)
        .where(table.c.id == person.id, table.c.photo_key.is_not(None), table.c.photo_consent_withdrawn_at.is_(None))
        .values(photo_consent_withdrawn_at=now)
    )
    if done.rowcount != 1:
        return False
    db.session.refresh(person)
    record_event(person.id, "person.photo_consent_withdrawn", {"sha256": person.photo_sha256}, actor=actor, at=now)
    return True


def usable(person: Person) -> bool:
    """The person's registered photo may be used anew for what rests on consent (a 人像抓拍 compared with it): there
    is one, and the person has not withdrawn consent to it (个人信息保护法 第十五条: from the withdrawal on no new
    comparison uses it, though it stays stored until the purge deletes it; a snapshot is then treated as when there
    is no registered photo). A certificate in force prints it regardless (``app.records.retention.photo_may_go``)."""
    return bool(person.photo_key) and person.photo_consent_withdrawn_at is None


def registered_hash(person_id: int) -> str:
    """The perceptual hash of the person's registered photo ("" without one, or after the person withdrew consent to
    it: :func:`usable`). A photo stored before the hash was kept is read once from storage, and its hash written
    (only where still empty: racing readers agree)."""
    row = db.session.execute(
        sa.select(Person.photo_key, Person.photo_phash, Person.photo_consent_withdrawn_at).where(Person.id == person_id)
    ).first()
    if row is None or not row.photo_key or row.photo_consent_withdrawn_at is not None:
        return ""
    if row.photo_phash:
        return row.photo_phash
    with Image.open(io.BytesIO(storage().read(row.photo_key))) as image:
        value = picture_hash(image.convert("RGB"))
    db.session.execute(
        sa.update(Person.__table__)
        .where(Person.__table__.c.id == person_id, Person.__table__.c.photo_key == row.photo_key)
        .where(Person.__table__.c.photo_phash == "")
        .values(photo_phash=value)
    )
    return value


def _short(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:24]
