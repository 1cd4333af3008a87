"""Reading snapshots, consents and review counts for the pages of learners, organisers and reviewers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from app.extensions import db
from app.people.models import ReviewVerdict, Snapshot, SnapshotConsent, SnapshotContext


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
    """A snapshot as the person in it sees it (``app.auth.policy.snapshots.may_see_own_snapshots``): when, in which lesson
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
