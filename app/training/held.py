"""Held credit: online study earned in the window of a 人像抓拍 whose credit is held (``Snapshot.credit_held``: its
face check has not answered, or it was flagged and no 复核 has closed it yet).

A heartbeat in such a window (``app.people.snapshots.schedule.lesson_status`` tells the view which snapshot's window it is)
credits as any other — the session moves, ``LessonProgress.credited_seconds`` grows, so the lesson's cap holds — but
its day shares go into :class:`~app.training.models.HeldCredit` rows keyed by (snapshot, day) instead of the ledger,
and only while the snapshot is still held: the heartbeat's write checks ``credit_held`` under a share lock on the
snapshot's row (:func:`still_held`), so it waits for a 复核 or release in progress and then credits nothing (the page's
next beat credits the gap by the new state). When the snapshot is settled (:func:`settle`, registered with
``app.people.snapshots.settling.on_credit_settled``; the 复核 or the release holds the snapshot's row), its rows are deleted
(``DELETE … RETURNING``) and either added into the ledger (本人, or the face check matched) or taken off the lesson's
``credited_seconds`` (非本人), so that at every moment, per person, class and lesson,
``credited_seconds = Σ ledger + Σ held``. A 复核's outcome is written into the 一人一档 (``study.credit_released`` /
``study.credit_removed``) when there was held credit.

Functions flush; the view or task commits.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa

from app.archive.services import record_event
from app.core.db import INSERTS
from app.extensions import db
from app.people.models import Snapshot
from app.people.snapshots import settling
from app.training import classes
from app.training.models import HeldCredit, Lesson, LessonProgress, StudyCredit, TrainingClass

_HELD, _CREDITS, _PROGRESS = HeldCredit.__table__, StudyCredit.__table__, LessonProgress.__table__


def still_held() -> sa.ColumnElement[bool]:
    """For a heartbeat's write: ``EXISTS`` the snapshot ``:b_hold`` with its credit still held, locked ``FOR SHARE``
    (PostgreSQL) until the heartbeat's statement commits, so that no 复核 or release settles it in between."""
    s = Snapshot.__table__
    return sa.exists(
        sa.select(s.c.id)
        .where(s.c.id == sa.bindparam("b_hold", type_=sa.Integer), s.c.credit_held.is_(True))
        .with_for_update(read=True)
    )


def held_ledger(dialect: str) -> sa.Insert:
    """``INSERT … ON CONFLICT (snapshot, day) DO UPDATE SET seconds = seconds + excluded.seconds`` into the held
    credit, one row per (``:b_hold``, day); the caller gives the rows (values or ``from_select``)."""
    return INSERTS[dialect](_HELD)


def held_upsert(insert) -> sa.Insert:
    return insert.on_conflict_do_update(
        index_elements=[_HELD.c.snapshot_id, _HELD.c.day], set_={"seconds": _HELD.c.seconds + insert.excluded.seconds}
    )


@settling.on_credit_settled
def settle(snapshot: Snapshot, *, keep: bool, actor, now: datetime) -> int:
    """Move the credit held for ``snapshot`` into the ledger (``keep``) or remove it, and return its seconds. The
    caller's conditional ``UPDATE`` of the snapshot won (so this runs once per snapshot) and holds its row."""
    dialect = db.session.get_bind().dialect.name
    rows = db.session.execute(
        sa.delete(_HELD)
        .where(_HELD.c.snapshot_id == snapshot.id)
        .returning(_HELD.c.person_id, _HELD.c.class_id, _HELD.c.lesson_id, _HELD.c.day, _HELD.c.seconds)
    ).all()
    if not rows:
        return 0
    if keep:
        insert = INSERTS[dialect](_CREDITS).values(
            [
                {
                    "person_id": r.person_id,
                    "class_id": r.class_id,
                    "lesson_id": r.lesson_id,
                    "day": r.day,
                    "seconds": r.seconds,
                }
                for r in rows
            ]
        )
        db.session.execute(
            insert.on_conflict_do_update(
                index_elements=[_CREDITS.c.person_id, _CREDITS.c.class_id, _CREDITS.c.lesson_id, _CREDITS.c.day],
                set_={"seconds": _CREDITS.c.seconds + insert.excluded.seconds},
            )
        )
    else:
        per_lesson: dict[tuple[int, int, int], int] = defaultdict(int)
        for r in rows:
            per_lesson[(r.person_id, r.class_id, r.lesson_id)] += r.seconds
        for (person_id, class_id, lesson_id), seconds in per_lesson.items():
            db.session.execute(
                sa.update(_PROGRESS)
                .where(
                    _PROGRESS.c.person_id == person_id,
                    _PROGRESS.c.class_id == class_id,
                    _PROGRESS.c.lesson_id == lesson_id,
                )
                .values(credited_seconds=_PROGRESS.c.credited_seconds - seconds)
            )
    seconds = sum(r.seconds for r in rows)
    first = rows[0]
    training_class = db.session.get(TrainingClass, first.class_id)
    if keep:  # the released minutes may complete the class (its exam passed already): as attendance does
        classes.refresh_completions(training_class, actor=actor, now=now, person_id=snapshot.person_id)
    if snapshot.reviewed_at is not None:  # a 复核 decided: the 一人一档 keeps what it did to the hours
        lesson = db.session.get(Lesson, first.lesson_id)
        record_event(
            snapshot.person_id,
            "study.credit_released" if keep else "study.credit_removed",
            {
                "class": first.class_id,
                "title": training_class.title,
                "lesson": first.lesson_id,
                "lesson_title": lesson.title,
                "snapshot": snapshot.id,
                "seconds": seconds,
            },
            actor=actor,
            at=now,
        )
    return seconds


def held_seconds(person_id: int, class_id: int) -> int:
    """Seconds of the person's online study in a class that are held (待复核 or awaiting a face check)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(HeldCredit.seconds), 0)).where(
                HeldCredit.person_id == person_id, HeldCredit.class_id == class_id
            )
        )
    )


def held_by_person(class_id: int) -> dict[int, int]:
    """Per person: held seconds in a class."""
    rows = db.session.execute(
        sa.select(HeldCredit.person_id, sa.func.sum(HeldCredit.seconds))
        .where(HeldCredit.class_id == class_id)
        .group_by(HeldCredit.person_id)
    )
    return {person_id: int(seconds) for person_id, seconds in rows}


def held_by_snapshot(snapshot_ids: list[int]) -> dict[int, int]:
    """Per snapshot: seconds held in its window."""
    if not snapshot_ids:
        return {}
    rows = db.session.execute(
        sa.select(HeldCredit.snapshot_id, sa.func.sum(HeldCredit.seconds))
        .where(HeldCredit.snapshot_id.in_(snapshot_ids))
        .group_by(HeldCredit.snapshot_id)
    )
    return {snapshot_id: int(seconds) for snapshot_id, seconds in rows}
