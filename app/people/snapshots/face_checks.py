"""A checker flags, never refuses: :func:`check_face` asks ``app.people.faces.compare``; a mismatch marks the
snapshot ``needs_review`` (``snapshot.flagged``), a match releases the credit held in its window."""

from __future__ import annotations

from datetime import datetime

from app.archive.services import record_event
from app.core.clock import utcnow
from app.core.db import conditional_update
from app.core.storage import storage
from app.extensions import db
from app.people import faces, photos
from app.people.models import Person, Snapshot
from app.people.snapshots.settling import settle_credit


def checking_faces() -> bool:
    """A face checker is configured (then :func:`check_face` runs in the ``people.check_snapshot`` task)."""
    return faces.checker_name() != "off"


def check_face(snapshot: Snapshot) -> faces.FaceMatch | None:
    """Compare the snapshot with the person's registered photo and keep the verdict; a mismatch flags the snapshot
    for review (and the 一人一档), keeping its window's credit held. Without a registered photo, once the person
    withdrew consent to it (``photos.usable``), or with checking off by now, there is nothing to compare: a held
    credit is released."""
    person = db.session.get(Person, snapshot.person_id)
    match = None
    if person is not None and photos.usable(person) and checking_faces():
        match = faces.compare(storage().read(person.photo_key), storage().read(snapshot.storage_key))
    if match is not None:
        record_match(snapshot, match)
    else:
        release(snapshot)
    return match


def record_match(snapshot: Snapshot, match: faces.FaceMatch) -> None:
    """Keep a checker's verdict on ``snapshot``; one that needs review flags it (once) and writes
    ``snapshot.flagged`` into the person's 一人一档 (its held credit stays held); a match releases it."""
    snapshot.face_checker, snapshot.face_distance, snapshot.face_matched = match.checker, match.distance, match.matched
    if match.needs_review and not snapshot.needs_review and snapshot.reviewed_at is None:  # a 复核 is final
        snapshot.needs_review = True
        record_event(
            snapshot.person_id,
            "snapshot.flagged",
            {
                "context": snapshot.context.value,
                "ref": snapshot.ref_id,
                "snapshot": snapshot.id,
                "checker": match.checker,
                "faces": match.snapshot_faces,
            },
        )
    db.session.flush()
    if not snapshot.needs_review:
        release(snapshot)


def release(snapshot: Snapshot, *, now: datetime | None = None) -> bool:
    """Release the held credit of a snapshot that is not flagged: one conditional ``UPDATE … WHERE credit_held AND
    NOT needs_review`` (so a release and a 复核 never both settle it), then the listeners move the credit into the
    ledger. True when this call released it."""
    won = db.session.execute(
        conditional_update(Snapshot)
        .where(Snapshot.id == snapshot.id, Snapshot.credit_held.is_(True), Snapshot.needs_review.is_(False))
        .values(credit_held=False)
        .returning(Snapshot.id)
    ).first()
    if won is None:
        return False
    snapshot.credit_held = False
    settle_credit(snapshot, keep=True, actor=None, now=now or utcnow())
    return True
