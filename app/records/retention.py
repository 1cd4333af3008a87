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
- Anything else (a person on no track) has no rule and is kept.

Only the oldest events of a file are ever purged (``app.archive.epochs``): an event still kept stops the purge of
everything after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.certificates.models import Certificate, CertKind
from app.core.clock import to_local, to_utc
from app.extensions import db
from app.people.models import Employment, Post, SnapshotContext
from app.rules.book import RuleBook

SPECIAL = "retention.special_operator_years"
MANAGER = "retention.manager_years"
SNAPSHOT = "retention.snapshot_years"
EXAM_EVIDENCE = "retention.exam_evidence_years"
KEYS = (SPECIAL, MANAGER, SNAPSHOT, EXAM_EVIDENCE)

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
