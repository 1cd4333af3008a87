"""How long each kind of record is kept: the rule rows ``retention.*`` (``app.rules``), read for the date the
retention starts from, so a changed rule applies to the records whose retention starts after it.

Record kinds:

- **特种作业** (a person who holds, held or works toward a 特种作业操作证): their 一人一档 events are kept
  ``retention.special_operator_years`` after the certificate ends (its ``valid_to``, or the day it was revoked);
  with no certificate, after the event.
- **主要负责人 / 安全管理人员**: ``retention.manager_years`` after their certificate ends, or after the event.
  A person on both tracks is kept by the longer of the two.
- **人像抓拍** (biometric data) and **exam evidence** (snapshots taken in an exam, and the consent answers):
  ``retention.snapshot_years`` / ``retention.exam_evidence_years`` after the picture or answer. A snapshot also
  goes once its person has withdrawn consent for that class or sitting, unless something depends on it: a 复核
  still open (``needs_review``) or study credit held on it (``credit_held``).
- **登记照片** (the registered photo, biometric data): ``retention.photo_years`` after the person's last employment
  ended and their last certificate (not a 培训合格证明) ended, whichever is later — kept while they are employed. It
  also goes once the person withdraws consent to it (``Person.photo_consent_withdrawn_at``). Either way only when
  nothing depends on it: a certificate still in force prints it (补发/换发 print it again), and a 人像抓拍 with a
  复核 open or credit held is judged against it (:func:`photo_may_go`).
- **查阅记录** (the access log itself): ``retention.access_log_years`` after the showing (:func:`access_log_expired`).
- Anything else (a person on no track) has no rule and is kept.

Only the oldest events of a file are ever purged (``app.archive.epochs``): an event still kept stops the purge of
everything after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.certificates.models import Certificate, CertKind, CertStatus
from app.core.clock import to_local, to_utc
from app.extensions import db
from app.people.models import AccessLogEntry, Employment, Person, Post, Snapshot, SnapshotContext
from app.rules.book import RuleBook

SPECIAL = "retention.special_operator_years"
MANAGER = "retention.manager_years"
SNAPSHOT = "retention.snapshot_years"
EXAM_EVIDENCE = "retention.exam_evidence_years"
PHOTO = "retention.photo_years"
ACCESS_LOG = "retention.access_log_years"
KEYS = (SPECIAL, MANAGER, SNAPSHOT, EXAM_EVIDENCE, PHOTO, ACCESS_LOG)

#: 一人一档 event kinds that are exam evidence or 人像抓拍 records, kept by their own rule rather than the track's.
EVIDENCE_PREFIXES = ("snapshot.",)


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def end_of_day_utc(day: date) -> datetime:
    """The first moment after local ``day``, as naive UTC: retention ends when the day it falls on is over."""
    return to_utc(datetime.combine(day + timedelta(days=1), time.min))


def _local_date(at: datetime) -> date:
    return to_local(at).date()


def kept_until(book: RuleBook, key: str, start: date) -> datetime:
    """When a record whose retention starts on ``start`` may go, by the rule row in force on ``start``."""
    return end_of_day_utc(add_years(start, book.int(key, on=start)))


@dataclass(frozen=True)
class Tracks:
    """What a person's file is kept for: each track with the day its certificates end (None: no certificate)."""

    special: bool = False
    special_end: date | None = None
    manager: bool = False
    manager_end: date | None = None


def tracks_of(person_ids: list[int]) -> dict[int, Tracks]:
    """The tracks of each person, from their posts and certificates, in two queries."""
    found: dict[int, dict] = {pid: {} for pid in person_ids}
    posts = db.session.execute(
        sa.select(Employment.person_id, Employment.post).where(Employment.person_id.in_(person_ids)).distinct()
    )
    for pid, post in posts:
        if post is Post.SPECIAL_OPERATOR:
            found[pid]["special"] = True
        elif post in (Post.PRINCIPAL, Post.SAFETY_MANAGER):
            found[pid]["manager"] = True
    ends = sa.func.max(sa.func.coalesce(Certificate.revoked_on, Certificate.valid_to))
    certs = db.session.execute(
        sa.select(Certificate.person_id, Certificate.kind, ends)
        .where(Certificate.person_id.in_(person_ids), Certificate.kind != CertKind.TRAINING)
        .group_by(Certificate.person_id, Certificate.kind)
    )
    for pid, kind, end in certs:
        end = end if isinstance(end, date) else date.fromisoformat(str(end))
        track = "special" if kind is CertKind.SPECIAL_OPERATOR else "manager"
        found[pid][track] = True
        found[pid][f"{track}_end"] = end
    return {pid: Tracks(**values) for pid, values in found.items()}


def event_keeper(book: RuleBook, tracks: Tracks):
    """``keep_until(kind, at)`` for one person's 一人一档 events (None: kept, no rule applies)."""

    def keep_until(kind: str, at: datetime) -> datetime | None:
        day = _local_date(at)
        if kind.startswith(EVIDENCE_PREFIXES):
            return kept_until(book, SNAPSHOT, day)
        candidates = []
        if tracks.special:
            candidates.append(kept_until(book, SPECIAL, max(tracks.special_end or day, day)))
        if tracks.manager:
            candidates.append(kept_until(book, MANAGER, max(tracks.manager_end or day, day)))
        return max(candidates) if candidates else None

    return keep_until


def snapshot_kept_until(book: RuleBook, context: SnapshotContext, taken_at: datetime) -> datetime:
    """When a 人像抓拍 may go by age: exam evidence and study snapshots each by their own rule row."""
    key = EXAM_EVIDENCE if context is SnapshotContext.EXAM else SNAPSHOT
    return kept_until(book, key, _local_date(taken_at))


# ---------------------------------------------------------------- the registered photo


@dataclass(frozen=True)
class PhotoFacts:
    """What decides whether a person's registered photo may go (:func:`photo_facts`)."""

    employed: bool = False
    #: The day the last employment ended (None: never employed, or still employed).
    employment_end: date | None = None
    #: The day the last certificate (not a 培训合格证明) ended: ``valid_to``, or the day it was revoked.
    certificate_end: date | None = None
    withdrawn_at: datetime | None = None
    #: A certificate in force prints it, or a 人像抓拍 with an open 复核 or held credit is judged against it.
    depended_on: bool = False


def photo_facts(person_ids: list[int], today: date) -> dict[int, PhotoFacts]:
    """The :class:`PhotoFacts` of each of ``person_ids`` that has a registered photo, in four queries."""
    withdrawn = dict(
        db.session.execute(
            sa.select(Person.id, Person.photo_consent_withdrawn_at).where(
                Person.id.in_(person_ids), Person.photo_key.is_not(None)
            )
        ).all()
    )
    ids = list(withdrawn)
    if not ids:
        return {}
    found: dict[int, dict] = {pid: {"withdrawn_at": withdrawn[pid]} for pid in ids}
    employments = db.session.execute(
        sa.select(
            Employment.person_id,
            sa.func.count(Employment.id) - sa.func.count(Employment.end_date),
            sa.func.max(Employment.end_date),
        )
        .where(Employment.person_id.in_(ids))
        .group_by(Employment.person_id)
    )
    for pid, open_count, last_end in employments:
        found[pid]["employed"] = bool(open_count)
        found[pid]["employment_end"] = None if open_count else _as_date(last_end)
    ends = sa.func.coalesce(Certificate.revoked_on, Certificate.valid_to)
    certificates = db.session.execute(
        sa.select(
            Certificate.person_id,
            sa.func.max(ends),
            sa.func.max(
                sa.case(
                    (
                        sa.and_(ends >= today, Certificate.status.not_in((CertStatus.REVOKED, CertStatus.CANCELLED))),
                        1,
                    ),
                    else_=0,
                )
            ),
        )
        .where(Certificate.person_id.in_(ids), Certificate.kind != CertKind.TRAINING)
        .group_by(Certificate.person_id)
    )
    for pid, last_end, in_force in certificates:
        found[pid]["certificate_end"] = _as_date(last_end)
        found[pid]["depended_on"] = bool(in_force)
    judged = db.session.scalars(
        sa.select(Snapshot.person_id)
        .where(Snapshot.person_id.in_(ids), sa.or_(Snapshot.needs_review.is_(True), Snapshot.credit_held.is_(True)))
        .distinct()
    )
    for pid in judged:
        found[pid]["depended_on"] = True
    return {pid: PhotoFacts(**values) for pid, values in found.items()}


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def photo_may_go(book: RuleBook, facts: PhotoFacts, now: datetime) -> str | None:
    """Why the registered photo goes now — ``withdrawn`` (consent withdrawn) or ``retention`` (its retention
    ended) — or None while it is kept (something depends on it, the person is employed, or no rule applies)."""
    if facts.depended_on:
        return None
    if facts.withdrawn_at is not None:
        return "withdrawn"
    if facts.employed:
        return None
    ends = [day for day in (facts.employment_end, facts.certificate_end) if day is not None]
    if not ends:
        return None
    return "retention" if kept_until(book, PHOTO, max(ends)) <= now else None


# ---------------------------------------------------------------- 查阅记录


def access_log_kept_until(book: RuleBook, at: datetime) -> datetime:
    """When a 查阅记录 row written at ``at`` may go (the national rule row in force on its day)."""
    return kept_until(book, ACCESS_LOG, _local_date(at))


def access_log_expired(book: RuleBook, now: datetime):
    """A condition on ``people_access_log`` rows that may go at ``now``: for each version of the rule (from its
    ``valid_from`` to the next's), the rows of its days older than its years (the same answer as
    :func:`access_log_kept_until` row by row, in one statement that the ``(person_id, at)`` index serves)."""
    versions = sorted((r for r in book.versions(ACCESS_LOG) if r.region_code == ""), key=lambda r: r.valid_from)
    today = _local_date(now)
    at = AccessLogEntry.__table__.c.at
    parts = []
    for n, row in enumerate(versions):
        cutoff = to_utc(datetime.combine(add_years(today, -int(row.value)), time.min))
        if n + 1 < len(versions):
            cutoff = min(cutoff, to_utc(datetime.combine(versions[n + 1].valid_from, time.min)))
        condition = at < cutoff
        if n > 0:  # the first version also covers rows from before its date
            condition = sa.and_(at >= to_utc(datetime.combine(row.valid_from, time.min)), condition)
        parts.append(condition)
    return sa.or_(*parts) if parts else sa.false()
