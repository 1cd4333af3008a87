"""A person closes the flag: a 复核 (本人 / 非本人, with a note) once, which clears ``needs_review``, writes
``snapshot.reviewed`` and settles the held credit of the snapshot's window."""

from __future__ import annotations

from datetime import datetime

from app.archive.services import record_event
from app.core.clock import utcnow
from app.core.db import conditional_update
from app.core.errors import DomainError
from app.extensions import db
from app.people.models import ReviewVerdict, Snapshot
from app.people.snapshots.settling import settle_credit

#: Longest 复核 note (the column's length).
REVIEW_NOTE_MAX = 200


def review(
    snapshot_id: int, verdict: ReviewVerdict | str, note: str, *, actor, now: datetime | None = None
) -> Snapshot:
    """Close the review flag of a snapshot with a person's verdict, once, and write ``snapshot.reviewed`` (verdict
    and note) into the person's 一人一档. ``needs_review`` becomes False, so the 待复核 counts drop.

    The credit held in the snapshot's window (``credit_held``, lessons with a face checker on) is settled in the same
    transaction by the listeners (:func:`on_credit_settled`): 本人 moves it into the ledger, 非本人 removes it; a
    非本人 snapshot also no longer covers its moment. Beyond that a 非本人 verdict is evidence for the organiser, who
    acts through the class and exam tools (attendance, the exam board, certificates).
    One conditional ``UPDATE … WHERE needs_review AND reviewed_at IS NULL``: of two racing reviews one wins, the other
    is refused. The caller has checked who may review (``app.auth.policy.snapshots.may_review_snapshots``) and that the
    snapshot belongs to the class or attempt in scope.

    :param verdict: a :class:`ReviewVerdict` or its value (``same_person`` / ``not_same_person``).
    :param note: why; required for ``not_same_person``, at most :data:`REVIEW_NOTE_MAX` characters.
    :param actor: the reviewing ``User``.
    :return: the reviewed snapshot, refreshed.
    :raises DomainError: ``snapshot.review_verdict`` (no such verdict), ``snapshot.review_note_required`` or
        ``snapshot.review_note_too_long`` (``field="note"``), ``snapshot.review_closed`` (already reviewed, not
        flagged, or not there).
    """
    try:
        verdict = ReviewVerdict(verdict)
    except ValueError:
        raise DomainError("snapshot.review_verdict", http_status=400) from None
    note = (note or "").strip()
    if len(note) > REVIEW_NOTE_MAX:
        raise DomainError("snapshot.review_note_too_long", http_status=400, field="note", max=REVIEW_NOTE_MAX)
    if verdict is ReviewVerdict.NOT_SAME_PERSON and not note:
        raise DomainError("snapshot.review_note_required", http_status=400, field="note")
    now = now or utcnow()
    snapshot = db.session.scalars(
        conditional_update(Snapshot)
        .where(Snapshot.id == snapshot_id, Snapshot.needs_review.is_(True), Snapshot.reviewed_at.is_(None))
        .values(
            needs_review=False,
            reviewed_at=now,
            reviewed_by_id=actor.id,
            review_verdict=verdict,
            review_note=note,
            credit_held=False,
        )
        .returning(Snapshot),
        execution_options={"populate_existing": True},
    ).first()
    if snapshot is None:
        raise DomainError("snapshot.review_closed")
    record_event(
        snapshot.person_id,
        "snapshot.reviewed",
        {
            "context": snapshot.context.value,
            "ref": snapshot.ref_id,
            "snapshot": snapshot.id,
            "verdict": verdict.value,
            "note": note,
        },
        actor=actor,
        at=now,
    )
    # the UPDATE holds the snapshot's row: a heartbeat adding to its held credit has finished or now finds it closed
    settle_credit(snapshot, keep=verdict is ReviewVerdict.SAME_PERSON, actor=actor, now=now)
    return snapshot
