"""Online study: open a lesson page (the person's one active session) and credit its heartbeats.

The rule is :func:`app.training.crediting.credit` over plain values; this module loads those values, and stores
the outcome with atomic statements only: the session moves with a conditional ``UPDATE … WHERE last_at = :seen``
(a retried or racing heartbeat that lost finds no row and credits nothing), progress and the per-day ledger with
``… SET x = x + :n`` and ``INSERT … ON CONFLICT DO UPDATE``. Nothing is read, changed in Python and written back.
Functions flush; the view commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.core.clock import utcnow
from app.core.db import conditional_update, insert_on_conflict
from app.extensions import db
from app.training.crediting import Heartbeat, StudyState, credit, split_by_day
from app.training.models import Lesson, LessonProgress, StudyCredit, StudySession, TrainingClass


@dataclass(frozen=True)
class BeatResult:
    credited: int
    refusal: str | None
    lesson_seconds: int
    furthest: float


def open_lesson(person_id: int, training_class: TrainingClass, lesson: Lesson, *, now: datetime | None = None) -> str:
    """Make this page the person's active study session (any other tab or lesson stops earning) and return its
    token. The progress row is created here, so heartbeats only ever update it."""
    now = now or utcnow()
    token = secrets.token_urlsafe(24)
    progress = _progress(person_id, training_class.id, lesson.id)
    values = {
        "token": token,
        "class_id": training_class.id,
        "lesson_id": lesson.id,
        "started_at": now,
        "last_at": None,
        "position": progress.furthest if progress else 0.0,
    }
    stmt = insert_on_conflict(db.session, StudySession).values(person_id=person_id, **values)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["person_id"], set_=values))
    db.session.execute(
        insert_on_conflict(db.session, LessonProgress)
        .values(person_id=person_id, class_id=training_class.id, lesson_id=lesson.id, furthest=0.0, credited_seconds=0)
        .on_conflict_do_nothing(index_elements=["person_id", "class_id", "lesson_id"])
    )
    db.session.flush()
    return token


def _progress(person_id: int, class_id: int, lesson_id: int) -> LessonProgress | None:
    return db.session.scalar(
        sa.select(LessonProgress).where(
            LessonProgress.person_id == person_id,
            LessonProgress.class_id == class_id,
            LessonProgress.lesson_id == lesson_id,
        )
    )


def heartbeat(person_id: int, beat: Heartbeat, *, now: datetime | None = None) -> BeatResult:
    """Credit one heartbeat of the person's lesson page (see :mod:`app.training.crediting`)."""
    now = now or utcnow()
    row = db.session.execute(
        sa.select(
            StudySession.token,
            StudySession.class_id,
            StudySession.lesson_id,
            StudySession.last_at,
            StudySession.position,
            Lesson.duration_seconds,
            LessonProgress.furthest,
            LessonProgress.credited_seconds,
        )
        .join(Lesson, Lesson.id == StudySession.lesson_id)
        .join(
            LessonProgress,
            sa.and_(
                LessonProgress.person_id == StudySession.person_id,
                LessonProgress.class_id == StudySession.class_id,
                LessonProgress.lesson_id == StudySession.lesson_id,
            ),
        )
        .where(StudySession.person_id == person_id)
    ).first()
    if row is None:
        return BeatResult(0, "taken_over", 0, 0.0)
    state = StudyState(
        token=row.token,
        lesson_id=row.lesson_id,
        duration=row.duration_seconds,
        last_at=row.last_at,
        position=row.position,
        furthest=row.furthest,
        credited=row.credited_seconds,
    )
    new, seconds, refusal = credit(state, beat, now)
    if refusal == "taken_over":
        return BeatResult(0, refusal, row.credited_seconds, row.furthest)
    seen = StudySession.last_at.is_(None) if row.last_at is None else StudySession.last_at == row.last_at
    moved = db.session.execute(
        conditional_update(StudySession)
        .where(StudySession.person_id == person_id, StudySession.token == beat.token, seen)
        .values(last_at=new.last_at, position=new.position)
    ).rowcount
    if not moved:  # a racing heartbeat of the same page got there first: it carries the credit
        return BeatResult(0, "duplicate", row.credited_seconds, row.furthest)
    where = (
        LessonProgress.person_id == person_id,
        LessonProgress.class_id == row.class_id,
        LessonProgress.lesson_id == row.lesson_id,
    )
    credited = row.credited_seconds
    if seconds or new.furthest > row.furthest:
        credited = db.session.execute(
            conditional_update(LessonProgress)
            .where(*where)
            .values(
                credited_seconds=LessonProgress.credited_seconds + seconds,
                furthest=sa.case((LessonProgress.furthest < new.furthest, new.furthest), else_=LessonProgress.furthest),
            )
            .returning(LessonProgress.credited_seconds)
        ).scalar_one()
    for day, share in split_by_day(now, seconds):
        stmt = insert_on_conflict(db.session, StudyCredit).values(
            person_id=person_id, class_id=row.class_id, lesson_id=row.lesson_id, day=day, seconds=share
        )
        db.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["person_id", "class_id", "lesson_id", "day"],
                set_={"seconds": StudyCredit.seconds + stmt.excluded.seconds},
            )
        )
    return BeatResult(seconds, refusal, credited, max(new.furthest, row.furthest))


def lesson_progress(person_id: int, class_id: int) -> dict[int, LessonProgress]:
    """The person's progress per lesson id in a class."""
    rows = db.session.scalars(
        sa.select(LessonProgress).where(LessonProgress.person_id == person_id, LessonProgress.class_id == class_id)
    )
    return {p.lesson_id: p for p in rows}


def online_seconds(person_id: int, class_id: int) -> int:
    """Seconds of online study credited to the person in a class (the per-day ledger's sum)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(StudyCredit.seconds), 0)).where(
                StudyCredit.person_id == person_id, StudyCredit.class_id == class_id
            )
        )
    )
