"""人像抓拍 as the dashboards count them: each snapshot with the organiser of the class (在线学习) or exam (在线考试) it
was taken in, and which ones await a 复核. The bell alerts the organiser of a flagged one (``alerts``); the 动态积分
counts those a 复核 found 非本人 against the institution (``ranking_components``)."""

from __future__ import annotations

import sqlalchemy as sa

from app.exams.models import Attempt, Sitting
from app.people.models import Snapshot, SnapshotContext
from app.training.models import TrainingClass


def awaiting_review() -> sa.ColumnElement[bool]:
    """Flagged by the face check and not yet closed by a 复核."""
    return sa.and_(Snapshot.needs_review.is_(True), Snapshot.reviewed_at.is_(None))


def with_organisers(*conditions: sa.ColumnElement[bool]) -> sa.CompoundSelect:
    """The snapshots meeting ``conditions`` (on ``Snapshot``), each with its organiser: ``snapshot_id``,
    ``person_id``, ``context``, ``enterprise_id`` and ``institution_id`` (of the class, or of the attempt's sitting;
    both None for an authority's own exam) and ``ref_id`` (the class or the attempt)."""

    def columns(owner) -> tuple:
        return (
            Snapshot.id.label("snapshot_id"),
            Snapshot.person_id.label("person_id"),
            Snapshot.context.label("context"),
            owner.enterprise_id.label("enterprise_id"),
            owner.institution_id.label("institution_id"),
            Snapshot.ref_id.label("ref_id"),
        )

    lesson = (
        sa.select(*columns(TrainingClass))
        .join(TrainingClass, TrainingClass.id == Snapshot.ref_id)
        .where(Snapshot.context == SnapshotContext.LESSON, *conditions)
    )
    exam = (
        sa.select(*columns(Sitting))
        .join(Attempt, Attempt.id == Snapshot.ref_id)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(Snapshot.context == SnapshotContext.EXAM, *conditions)
    )
    return sa.union_all(lesson, exam)
