"""人像抓拍: the learner's consent, the server's random schedule, the snapshots and the face check.

Studying a lesson (``training``) and sitting an online exam (``exams``) both use this module; it lives in the people
layer so that both may. The rules:

* **Consent first.** A person answers once per class (lessons) or per sitting (exams); the answer is recorded with
  its time and written into the 一人一档 (``snapshot.consent`` / ``snapshot.refused``). Without consent no snapshot
  is taken, and a lesson credits nothing (the exam itself goes on; its organiser sees the refusal).
* **The server decides when.** :func:`open_plan` draws the schedule when a lesson page opens or an exam starts: one
  snapshot at the start and ``count - 1`` at random moments over the time ahead (``secrets.SystemRandom``). The page
  is only told *that* one is due (:func:`status`), so it cannot prepare for the next, nor skip one. A snapshot covers
  every moment before it. While the latest moment passed is not covered, :attr:`Status.ok` is False, which pauses
  crediting, except for ``grace`` seconds after a random moment — and only when every earlier moment is covered (the
  start one included): no second is credited before the start snapshot, and a page that skips one random snapshot
  gets no grace at any later moment.
* **A snapshot proves presence.** :func:`take` refuses, before storing anything (so the moment stays due and the page
  can retake it at once): a picture that is the same picture again (perceptual hash within
  ``ANPEI_SNAPSHOT_SAME_PICTURE_BITS`` of an earlier snapshot of the person or of the registered photo), and, with
  face detection on (``ANPEI_FACE_DETECTOR``, ``app.people.faces.count_faces``: detection only, no identity), a
  picture that does not show exactly one face. Detection runs in the upload request (~0.12 s of CPU per 640 px
  frame, dlib releases the GIL): the learner hears why at once (docs/snapshots.md).
* **Stored privately.** The upload is decoded and re-encoded by Pillow (``photos.decode_image``: bounded bytes and
  pixels), at most :data:`MAX_SIDE` px, stored under a random key (``snapshots/<person>/<random>.jpg``) and served
  only by a view after ``app.auth.policy.may_see_snapshots``.
* **A checker flags, never refuses.** :func:`check_face` asks ``app.people.faces.compare`` (None while checking is
  off); a mismatch marks the snapshot ``needs_review`` and writes ``snapshot.flagged`` into the 一人一档.
* **Held credit.** A lesson snapshot taken while a checker is on is ``credit_held`` until its check answers: what
  the page earns in its window (until the next snapshot) is kept apart (``app.training.held``). A match releases it
  into the ledger; a flag keeps it held until a 复核.
* **A person closes the flag.** :func:`review` records a 复核 (本人 / 非本人, with a note) once, clears
  ``needs_review`` and writes ``snapshot.reviewed``; the held credit of the snapshot's window is then released (本人)
  or removed (非本人) by the layer that keeps it (:func:`on_credit_settled`), in the same transaction. A snapshot
  judged 非本人 no longer covers its moment.

Functions flush; the view or task commits.
"""

from __future__ import annotations

import functools
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from PIL import Image
from sqlalchemy import orm as so

from app.archive.services import record_event
from app.core.celery import enqueue_after_commit
from app.core.clock import utcnow
from app.core.db import conditional_update, insert_on_conflict
from app.core.errors import DomainError
from app.core.storage import storage
from app.extensions import db
from app.people import faces
from app.people import messages as _messages  # noqa: F401  (registers the snapshot codes)
from app.people.models import Person, ReviewVerdict, Snapshot, SnapshotConsent, SnapshotContext, SnapshotPlan
from app.people.photos import decode_image, hash_distance, picture_hash, registered_hash

#: Longest side of a stored snapshot (a phone camera's 4000 px frame is never kept as is).
MAX_SIDE = 640
#: An upload may have at most this many pixels before it is decoded (a 4K frame has 8.3 M).
MAX_PIXELS = 12_000_000
#: The random moments fall within this share of the time ahead (not in the first or last few per cent).
WINDOW = (0.1, 0.9)
#: Longest 复核 note (the column's length).
REVIEW_NOTE_MAX = 200

_random = secrets.SystemRandom()


# ---------------------------------------------------------------- settings


def enabled(context: SnapshotContext) -> bool:
    """Whether snapshots are required for lessons / online exams (``ANPEI_SNAPSHOTS_LESSONS`` / ``…_EXAMS``)."""
    key = "SNAPSHOTS_LESSONS" if context is SnapshotContext.LESSON else "SNAPSHOTS_EXAMS"
    return bool(current_app.config.get(key, False))


def per_session(context: SnapshotContext) -> int:
    """Snapshots per lesson page or exam attempt, the start one included (at least 1)."""
    key = "SNAPSHOTS_PER_LESSON" if context is SnapshotContext.LESSON else "SNAPSHOTS_PER_EXAM"
    return max(1, int(current_app.config.get(key, 3)))


def grace_seconds() -> int:
    return int(current_app.config.get("SNAPSHOT_GRACE_SECONDS", 60))


def same_picture_bits() -> int:
    """Hash bits (of 64) within which a snapshot is the same picture as an earlier one (``ANPEI_SNAPSHOT_SAME_…``)."""
    return int(current_app.config.get("SNAPSHOT_SAME_PICTURE_BITS", 6))


#: Listeners told when a 复核 or a face check settles a snapshot's held credit: ``fn(snapshot, keep=, actor=, now=)``
#: (``keep``: 本人 or a match, the credit goes into the ledger; else it is removed). They write and never commit.
_SETTLERS: list[Callable[..., None]] = []


def on_credit_settled(fn: Callable[..., None]) -> Callable[..., None]:
    """Register ``fn`` (once, however often its module is imported): the layer that holds credit hears here."""
    if fn not in _SETTLERS:
        _SETTLERS.append(fn)
    return fn


def _settled(snapshot: Snapshot, *, keep: bool, actor, now: datetime) -> None:
    for fn in _SETTLERS:
        fn(snapshot, keep=keep, actor=actor, now=now)


# ---------------------------------------------------------------- consent


def consent_of(person_id: int, context: SnapshotContext, ref_id: int) -> bool | None:
    """True (consented), False (refused) or None (not asked yet)."""
    return db.session.scalar(
        sa.select(SnapshotConsent.granted).where(
            SnapshotConsent.person_id == person_id,
            SnapshotConsent.context == context,
            SnapshotConsent.ref_id == ref_id,
        )
    )


def record_consent(
    person_id: int,
    context: SnapshotContext,
    ref_id: int,
    granted: bool,
    *,
    title: str,
    actor,
    now: datetime | None = None,
) -> bool:
    """Record the person's answer (the latest counts: consent can be given after a refusal and withdrawn again,
    个人信息保护法 第十五条) and write it into the 一人一档 when it changed.

    One ``INSERT … ON CONFLICT DO UPDATE … WHERE granted IS DISTINCT FROM :granted RETURNING``: of two racing
    answers each change is recorded once, and an answer that changes nothing writes nothing.

    :param ref_id: the class id (lessons) or sitting id (exams).
    :param title: the class's or sitting's title, for the 一人一档.
    :return: True when the answer changed.
    """
    now = now or utcnow()
    c = SnapshotConsent
    stmt = insert_on_conflict(db.session, c).values(
        person_id=person_id, context=context, ref_id=ref_id, granted=granted, at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[c.person_id, c.context, c.ref_id],
        set_={"granted": granted, "at": now},
        where=c.granted.is_distinct_from(granted),
    ).returning(c.id)
    if db.session.execute(stmt).first() is None:
        return False
    record_event(
        person_id,
        "snapshot.consent" if granted else "snapshot.refused",
        {"context": context.value, "ref": ref_id, "title": title},
        actor=actor,
        at=now,
    )
    return True


# ---------------------------------------------------------------- the schedule


def draw_offsets(span_seconds: float, count: int) -> list[int]:
    """``count - 1`` random moments (seconds after the start, ascending) within :data:`WINDOW` of ``span_seconds``."""
    if count <= 1 or span_seconds <= 0:
        return []
    low, high = span_seconds * WINDOW[0], span_seconds * WINDOW[1]
    return sorted(int(_random.uniform(low, high)) for _ in range(count - 1))


def open_plan(
    person_id: int,
    context: SnapshotContext,
    ref_id: int,
    *,
    span_seconds: float,
    item_id: int = 0,
    token: str = "",
    now: datetime | None = None,
    keep: bool = False,
) -> SnapshotPlan:
    """Draw a new schedule starting now, replacing the person's previous one for this class (or attempt) — or, with
    ``keep``, only if there is none yet (an exam attempt's is drawn once). One atomic upsert: two tabs opening at
    once leave one schedule, never an error."""
    now = now or utcnow()
    values = {
        "item_id": item_id,
        "token": token,
        "started_at": now,
        "offsets": draw_offsets(span_seconds, per_session(context)),
    }
    stmt = insert_on_conflict(db.session, SnapshotPlan).values(
        person_id=person_id, context=context, ref_id=ref_id, **values
    )
    keys = ["person_id", "context", "ref_id"]
    stmt = (
        stmt.on_conflict_do_nothing(index_elements=keys)
        if keep
        else stmt.on_conflict_do_update(index_elements=keys, set_=values)
    )
    db.session.execute(stmt)
    plan = plan_for(person_id, context, ref_id)
    db.session.refresh(plan)  # the upsert bypassed the session: never hand out a stale copy
    return plan


def plan_for(person_id: int, context: SnapshotContext, ref_id: int) -> SnapshotPlan | None:
    return db.session.scalar(
        sa.select(SnapshotPlan).where(
            SnapshotPlan.person_id == person_id, SnapshotPlan.context == context, SnapshotPlan.ref_id == ref_id
        )
    )


@dataclass(frozen=True)
class Status:
    """Where a schedule stands at a moment.

    ``due``: a snapshot should be taken now (the latest moment passed is not covered). ``ok``: crediting may go on.
    ``passed`` and ``taken``: moments so far and snapshots taken. For a lesson page (:func:`lesson_status`) also
    ``window``: the snapshot whose window now is (the latest taken), and ``held``: why credit earned now is held
    (``"check"``: its face check has not answered; ``"review"``: flagged, awaiting a 复核), or None.
    """

    due: bool
    ok: bool
    passed: int
    taken: int
    window: int | None = None
    held: str | None = None


NOT_OK = Status(due=False, ok=False, passed=1, taken=0)


def schedule_status(
    started_at: datetime, offsets: list[int], taken: list[datetime], now: datetime, *, grace: int
) -> Status:
    """The rule over plain values. A snapshot covers every moment at or before the time it was taken. Crediting goes
    on while the latest moment passed is covered — or for ``grace`` seconds after a random moment while the page
    takes its snapshot, but only if every earlier moment is covered: never before the start snapshot, and never again
    once a random moment went by without one (a late snapshot covers it, and the grace of later moments returns)."""
    moments = [started_at] + [started_at + timedelta(seconds=s) for s in offsets]
    passed = [m for m in moments if m <= now] or [started_at]
    last = max(taken) if taken else None
    covered = last is not None and last >= passed[-1]
    earlier_covered = len(passed) > 1 and last is not None and last >= passed[-2]
    in_grace = earlier_covered and now < passed[-1] + timedelta(seconds=grace)
    return Status(due=not covered, ok=covered or in_grace, passed=len(passed), taken=len(taken))


def _counts(verdict) -> bool:
    """A snapshot judged 非本人 by a 复核 covers no moment: someone else was at the camera."""
    return verdict is not ReviewVerdict.NOT_SAME_PERSON


def status(plan: SnapshotPlan | None, now: datetime | None = None, *, refused: bool = False) -> Status:
    """Where ``plan`` stands now; no plan or a refusal is never ok."""
    if plan is None or refused:
        return NOT_OK
    mine = (Snapshot.plan_id == plan.id, Snapshot.taken_at >= plan.started_at)
    counted = sa.or_(Snapshot.review_verdict.is_(None), Snapshot.review_verdict != ReviewVerdict.NOT_SAME_PERSON)
    last, count = db.session.execute(
        sa.select(sa.func.max(sa.case((counted, Snapshot.taken_at))), sa.func.count(Snapshot.id)).where(*mine)
    ).one()
    return _status(plan.started_at, plan.offsets, last, count, now or utcnow())


def lesson_status(person_id: int, token: str, now: datetime) -> Status:
    """:func:`status` of the study session ``token``'s schedule, with the person's consent for its class and the
    snapshot whose window ``now`` is in, in one query (it runs on every heartbeat: one row per snapshot of the page,
    a handful). No schedule, no consent or a refusal: not ok, nothing due. A window whose snapshot was judged 非本人
    credits nothing (not ok; a new snapshot is due)."""
    if not token:
        return NOT_OK
    rows = db.session.execute(_lesson_status_statement(), {"p": person_id, "t": token, "now": now}).all()
    if not rows or rows[0].granted is not True:
        return NOT_OK
    shots = [row for row in rows if row.id is not None]
    counted = [row.taken_at for row in shots if _counts(row.review_verdict)]
    status = _status(rows[0].started_at, rows[0].offsets, max(counted, default=None), len(shots), now)
    if not shots:
        return status
    window = shots[-1]
    if not _counts(window.review_verdict):
        return replace(status, ok=False, window=window.id)
    held = ("review" if window.needs_review else "check") if window.credit_held else None
    return replace(status, window=window.id, held=held)


@functools.cache
def _lesson_status_statement() -> sa.Select:
    """Built once: the plan of a study session, the consent and the page's snapshots so far, oldest first."""
    plan, consent, shot = SnapshotPlan.__table__, SnapshotConsent.__table__, Snapshot.__table__
    return (
        sa.select(
            plan.c.started_at,
            plan.c.offsets,
            consent.c.granted,
            shot.c.id,
            shot.c.taken_at,
            shot.c.needs_review,
            shot.c.credit_held,
            shot.c.review_verdict,
        )
        .select_from(plan)
        .join(
            consent,
            sa.and_(
                consent.c.person_id == plan.c.person_id,
                consent.c.context == plan.c.context,
                consent.c.ref_id == plan.c.ref_id,
            ),
            isouter=True,
        )
        .join(
            shot,
            sa.and_(
                shot.c.plan_id == plan.c.id,
                shot.c.taken_at >= plan.c.started_at,
                shot.c.taken_at <= sa.bindparam("now", type_=sa.DateTime),
            ),
            isouter=True,
        )
        .where(
            plan.c.person_id == sa.bindparam("p"),
            plan.c.context == SnapshotContext.LESSON,
            plan.c.token == sa.bindparam("t"),
        )
        .order_by(shot.c.taken_at, shot.c.id)
    )


def _status(started_at: datetime, offsets, last: datetime | None, count: int, now: datetime) -> Status:
    # the latest snapshot that counts decides: it covers every moment before it
    status = schedule_status(started_at, list(offsets or []), [last] if last else [], now, grace=grace_seconds())
    return replace(status, taken=int(count or 0))


# ---------------------------------------------------------------- taking one


def _decoded(data: bytes, *, max_bytes: int) -> Image.Image:
    """The upload as an RGB image of at most :data:`MAX_SIDE` px, decoded by Pillow within bounds."""
    if not data:
        raise DomainError("snapshot.empty", http_status=400)
    image = decode_image(data, max_bytes=max_bytes, max_pixels=MAX_PIXELS, code="snapshot")
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


def checking_faces() -> bool:
    """A face checker is configured (then :func:`check_face` runs in the ``people.check_snapshot`` task)."""
    return faces.checker_name() != "off"


def check_face(snapshot: Snapshot) -> faces.FaceMatch | None:
    """Compare the snapshot with the person's registered photo and keep the verdict; a mismatch flags the snapshot
    for review (and the 一人一档), keeping its window's credit held. Without a registered photo, or with checking
    off by now, there is nothing to compare: a held credit is released."""
    person = db.session.get(Person, snapshot.person_id)
    match = None
    if person is not None and person.photo_key and checking_faces():
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
    _settled(snapshot, keep=True, actor=None, now=now or utcnow())
    return True


# ---------------------------------------------------------------- 复核


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
    is refused. The caller has checked who may review (``app.auth.policy.may_review_snapshots``) and that the
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
    _settled(snapshot, keep=verdict is ReviewVerdict.SAME_PERSON, actor=actor, now=now)
    return snapshot


# ---------------------------------------------------------------- reading


def snapshots_of(person_id: int, context: SnapshotContext, ref_ids: list[int]) -> list[Snapshot]:
    """The person's snapshots in these classes (or attempts), oldest first."""
    if not ref_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Snapshot)
            .where(Snapshot.person_id == person_id, Snapshot.context == context, Snapshot.ref_id.in_(ref_ids))
            .options(so.joinedload(Snapshot.reviewed_by))  # the reviewer's name under a reviewed one
            .order_by(Snapshot.taken_at, Snapshot.id)
        )
    )


@dataclass(frozen=True)
class OwnSnapshot:
    """A snapshot as the person in it sees it (``app.auth.policy.may_see_own_snapshots``): when, in which lesson
    (``item_id``), and whether it awaits a 复核 or how that went; not the face checker's working record."""

    id: int
    item_id: int
    taken_at: datetime
    awaiting_review: bool
    verdict: ReviewVerdict | None


def own_snapshots(person_id: int, context: SnapshotContext, ref_id: int) -> list[OwnSnapshot]:
    """The person's own snapshots in one class (or attempt), oldest first, as :class:`OwnSnapshot`."""
    s = Snapshot
    rows = db.session.execute(
        sa.select(s.id, s.item_id, s.taken_at, s.needs_review, s.review_verdict)
        .where(s.person_id == person_id, s.context == context, s.ref_id == ref_id)
        .order_by(s.taken_at, s.id)
    )
    return [OwnSnapshot(*row) for row in rows]


def own_snapshot(snapshot_id: int, person_id: int) -> Snapshot | None:
    """A snapshot by id, only if ``person_id`` is the person in it."""
    return db.session.scalar(sa.select(Snapshot).where(Snapshot.id == snapshot_id, Snapshot.person_id == person_id))


def snapshot_in(snapshot_id: int, context: SnapshotContext, ref_id: int) -> Snapshot | None:
    """A snapshot by id, only if it belongs to this class (or attempt): the caller has checked who may see that."""
    return db.session.scalar(
        sa.select(Snapshot).where(Snapshot.id == snapshot_id, Snapshot.context == context, Snapshot.ref_id == ref_id)
    )


def review_counts(context: SnapshotContext, ref_id: int) -> dict[int, tuple[int, int]]:
    """Per person: (snapshots, flagged and not yet reviewed) in one class (or attempt)."""
    rows = db.session.execute(
        sa.select(
            Snapshot.person_id,
            sa.func.count(Snapshot.id),
            sa.func.sum(sa.case((Snapshot.needs_review, 1), else_=0)),
        )
        .where(Snapshot.context == context, Snapshot.ref_id == ref_id)
        .group_by(Snapshot.person_id)
    )
    return {person_id: (int(n), int(flagged or 0)) for person_id, n, flagged in rows}


def consents_in(context: SnapshotContext, ref_id: int) -> dict[int, bool]:
    """Per person: their consent answer for one class (or sitting)."""
    rows = db.session.execute(
        sa.select(SnapshotConsent.person_id, SnapshotConsent.granted).where(
            SnapshotConsent.context == context, SnapshotConsent.ref_id == ref_id
        )
    )
    return dict(rows.all())


def flagged_counts(context: SnapshotContext, ref_ids: list[int]) -> dict[int, int]:
    """Per class (or attempt): how many of its snapshots are flagged and not yet reviewed."""
    if not ref_ids:
        return {}
    rows = db.session.execute(
        sa.select(Snapshot.ref_id, sa.func.count(Snapshot.id))
        .where(Snapshot.context == context, Snapshot.ref_id.in_(ref_ids), Snapshot.needs_review.is_(True))
        .group_by(Snapshot.ref_id)
    )
    return dict(rows.all())


@dataclass(frozen=True)
class SnapshotSummary:
    """A person's 人像抓拍 in one context (在线学习 / 在线考试): taken, awaiting 复核, and the 复核 verdicts."""

    context: str
    taken: int
    awaiting_review: int
    same_person: int
    not_same_person: int


def summary_of(person_id: int) -> list[SnapshotSummary]:
    """Per context the person was photographed in: counts of snapshots, open 复核 flags and each verdict."""
    s = Snapshot

    def count(condition) -> sa.ColumnElement:
        return sa.func.sum(sa.case((condition, 1), else_=0))

    rows = db.session.execute(
        sa.select(
            s.context,
            sa.func.count(s.id),
            count(s.needs_review.is_(True)),
            count(s.review_verdict == ReviewVerdict.SAME_PERSON),
            count(s.review_verdict == ReviewVerdict.NOT_SAME_PERSON),
        )
        .where(s.person_id == person_id)
        .group_by(s.context)
    )
    found = {context: (n, flagged, same, other) for context, n, flagged, same, other in rows}
    return [
        SnapshotSummary(str(context.label), int(n), int(flagged or 0), int(same or 0), int(other or 0))
        for context in SnapshotContext
        if (counts := found.get(context)) is not None
        for n, flagged, same, other in [counts]
    ]
