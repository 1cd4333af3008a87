"""Taking one snapshot: the upload decoded and re-encoded (at most :data:`MAX_SIDE` px), refused before anything is
stored when it is the same picture again or (with face detection on) does not show exactly one face, then stored
privately under a random key and its face check queued after the commit."""

from __future__ import annotations

import io
import secrets
from datetime import datetime

import sqlalchemy as sa
from PIL import Image

from app.core.celery import enqueue_after_commit
from app.core.clock import utcnow
from app.core.errors import DomainError
from app.core.storage import storage
from app.extensions import db
from app.people import faces
from app.people.images import decode_image
from app.people.models import Snapshot, SnapshotContext, SnapshotPlan
from app.people.photos import hash_distance, picture_hash, registered_hash
from app.people.snapshots.face_checks import checking_faces
from app.people.snapshots.schedule import status
from app.people.snapshots.settings import same_picture_bits

#: Longest side of a stored snapshot (a phone camera's 4000 px frame is never kept as is).
MAX_SIDE = 640


def _decoded(data: bytes, *, max_bytes: int) -> Image.Image:
    """The upload as an RGB image of at most :data:`MAX_SIDE` px, decoded by Pillow within bounds."""
    if not data:
        raise DomainError("snapshot.empty", http_status=400)
    image = decode_image(data, max_bytes=max_bytes, code="snapshot")  # images.MAX_PIXELS
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return image


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()


def normalise_snapshot(data: bytes, *, max_bytes: int) -> bytes:
    """The upload as a JPEG of at most :data:`MAX_SIDE` px that we encoded ourselves.

    :raises DomainError: ``snapshot.too_large``, ``snapshot.not_an_image``, ``snapshot.empty``.
    """
    return _jpeg(_decoded(data, max_bytes=max_bytes))


def check_picture(person_id: int, image: Image.Image) -> tuple[str, str]:
    """Whether ``image`` may be a new snapshot of the person: not the same picture again, and — with face detection
    on — exactly one face. Nothing is stored or changed (but a registered photo's missing hash, once).

    :return: the picture's perceptual hash and the detector that passed it ("" while detection is off).
    :raises DomainError: ``snapshot.same_as_photo``, ``snapshot.same_picture``, ``snapshot.no_face``,
        ``snapshot.several_faces`` (``n``), all 422.
    """
    phash = picture_hash(image)
    bits = same_picture_bits()
    photo = registered_hash(person_id)
    if photo and hash_distance(phash, photo) <= bits:
        raise DomainError("snapshot.same_as_photo", http_status=422)
    earlier = db.session.scalars(sa.select(Snapshot.phash).where(Snapshot.person_id == person_id, Snapshot.phash != ""))
    if any(hash_distance(phash, other) <= bits for other in earlier):
        raise DomainError("snapshot.same_picture", http_status=422)
    found = faces.count_faces(image)
    if found == 0:
        raise DomainError("snapshot.no_face", http_status=422)
    if found is not None and found > 1:
        raise DomainError("snapshot.several_faces", http_status=422, n=found)
    return phash, ("" if found is None else faces.detector_name())


def take(
    plan: SnapshotPlan, data: bytes, *, max_bytes: int, now: datetime | None = None, hold: bool | None = None
) -> Snapshot:
    """Store a snapshot for ``plan`` (whose person has consented; the caller checked), after :func:`check_picture`.
    With a face checker configured, the ``people.check_snapshot`` task compares it after the commit.

    Takes of one plan are serialised by a lock on its row (PostgreSQL), so "at most one per moment" and "not the same
    picture again" hold for uploads racing each other too.

    :param hold: whether the credit of its window is held until its face check answers (default: a lesson snapshot
        while a face checker is on).
    :raises DomainError: ``snapshot.not_due`` (nothing is due: at most one per moment), a :func:`check_picture`
        refusal, or an upload error. A refused snapshot is not stored: the moment stays due.
    """
    now = now or utcnow()
    db.session.execute(sa.select(SnapshotPlan.id).where(SnapshotPlan.id == plan.id).with_for_update())
    if not status(plan, now).due:
        raise DomainError("snapshot.not_due", http_status=409)
    image = _decoded(data, max_bytes=max_bytes)
    phash, detector = check_picture(plan.person_id, image)
    jpeg = _jpeg(image)
    stored = storage().put(f"snapshots/{plan.person_id}/{secrets.token_urlsafe(24)}.jpg", jpeg, "image/jpeg")
    if hold is None:
        hold = plan.context is SnapshotContext.LESSON and checking_faces()
    snapshot = Snapshot(
        person_id=plan.person_id,
        context=plan.context,
        ref_id=plan.ref_id,
        item_id=plan.item_id,
        plan_id=plan.id,
        taken_at=now,
        storage_key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
        phash=phash,
        face_detector=detector,
        credit_held=hold,
    )
    db.session.add(snapshot)
    db.session.flush()
    if checking_faces():
        from app.people import tasks  # the task module imports this one

        enqueue_after_commit(tasks.check_snapshot, snapshot.id)
    return snapshot
