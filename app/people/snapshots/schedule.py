"""The server decides when: :func:`open_plan` draws one snapshot at the start and ``count - 1`` at random
moments over the time ahead; the page is only told *that* one is due (:func:`status`). A snapshot covers every moment
before it; while the latest moment passed is not covered, :attr:`Status.ok` is False (crediting pauses), except for
``grace`` seconds after a random moment when every earlier one is covered."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.core.clock import utcnow
from app.core.db import all_rows, insert_on_conflict
from app.extensions import db
from app.people.models import ReviewVerdict, Snapshot, SnapshotConsent, SnapshotContext, SnapshotPlan
from app.people.snapshots.settings import grace_seconds, per_session

#: The random moments fall within this share of the time ahead (not in the first or last few per cent).
WINDOW = (0.1, 0.9)


_random = secrets.SystemRandom()


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
    if keep:
        db.session.execute(stmt.on_conflict_do_nothing(index_elements=keys))
        plan = plan_for(person_id, context, ref_id)
        db.session.refresh(plan)  # the upsert bypassed the session: never hand out a stale copy
        return plan
    # the row as written, into the session (populate_existing: never a stale copy): one statement, not three
    upsert = stmt.on_conflict_do_update(index_elements=keys, set_=values).returning(SnapshotPlan)
    return db.session.scalars(upsert, execution_options={"populate_existing": True}).one()


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


def counts_as_presence(verdict) -> bool:
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
    return status_at(plan.started_at, plan.offsets, last, count, now or utcnow())


def lesson_status(person_id: int, token: str, now: datetime, *, conn: sa.Connection | None = None) -> Status:
    """:func:`status` of the study session ``token``'s schedule, with the person's consent for its class and the
    snapshot whose window ``now`` is in, in one query (it runs on every heartbeat: one row per snapshot of the page,
    a handful). No schedule, no consent or a refusal: not ok, nothing due. A window whose snapshot was judged 非本人
    credits nothing (not ok; a new snapshot is due).

    ``conn``: the heartbeat's lean connection (the statement runs prepared on it: :func:`app.core.db.all_rows`);
    the ORM session's by default."""
    if not token:
        return NOT_OK
    params = {"p": person_id, "t": token, "now": now}
    rows = all_rows(conn if conn is not None else db.session.connection(), _lesson_status_statement(), params)
    if not rows or rows[0].granted is not True:
        return NOT_OK
    shots = [row for row in rows if row.id is not None]
    counted = [row.taken_at for row in shots if counts_as_presence(_verdict(row.review_verdict))]
    status = status_at(rows[0].started_at, rows[0].offsets, max(counted, default=None), len(shots), now)
    if not shots:
        return status
    window = shots[-1]
    if not counts_as_presence(_verdict(window.review_verdict)):
        return replace(status, ok=False, window=window.id)
    held = ("review" if window.needs_review else "check") if window.credit_held else None
    return replace(status, window=window.id, held=held)


def _verdict(value) -> ReviewVerdict | None:
    """A 复核 verdict as read: the enum through SQLAlchemy, its stored value through psycopg."""
    return None if value is None else ReviewVerdict(value)


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
            plan.c.context == sa.bindparam("lesson_context", SnapshotContext.LESSON.value, type_=sa.String),
            plan.c.token == sa.bindparam("t"),
        )
        .order_by(shot.c.taken_at, shot.c.id)
    )


def status_at(started_at: datetime, offsets, last: datetime | None, count: int, now: datetime) -> Status:
    # the latest snapshot that counts decides: it covers every moment before it
    status = schedule_status(started_at, list(offsets or []), [last] if last else [], now, grace=grace_seconds())
    return replace(status, taken=int(count or 0))
