"""The learner's 继续学习: the classes under way with their hours and the next lesson."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.core.clock import utcnow
from app.extensions import db
from app.training import classes, study
from app.training.attendance.entry_rules import class_today
from app.training.models import ClassMode, Enrolment, Lesson, TrainingClass


@dataclass(frozen=True)
class Continuing:
    """A class the learner is studying: its hours so far and the lesson to go on with (None: every lesson done)."""

    training_class: TrainingClass
    progress: classes.Progress
    next_lesson: Lesson | None

    @property
    def percent(self) -> int:
        required = self.progress.required or 1
        return min(100, int(100 * self.progress.hours / required))


def continue_learning(person_id: int, now: datetime | None = None) -> list[Continuing]:
    """The person's classes under way (online or blended, within their dates, not completed), each with its hours
    and the first lesson not yet studied to its length, newest class first."""
    now = now or utcnow()
    enrolled = db.session.scalars(
        sa.select(TrainingClass)
        .join(Enrolment, Enrolment.class_id == TrainingClass.id)
        .where(
            Enrolment.person_id == person_id,
            Enrolment.completed_at.is_(None),
            TrainingClass.mode != ClassMode.OFFLINE,
        )
        .order_by(TrainingClass.starts_on.desc(), TrainingClass.id.desc())
    ).all()
    out = []
    for training_class in enrolled:
        if not training_class.starts_on <= class_today(training_class, now) <= training_class.ends_on:
            continue
        (progress,) = classes.progress(training_class, Enrolment.person_id == person_id)
        studied = study.lesson_progress(person_id, training_class.id)
        next_lesson = next(
            (
                lesson
                for lesson in training_class.course.lessons
                if (studied[lesson.id].credited_seconds if lesson.id in studied else 0) < lesson.duration_seconds
            ),
            None,
        )
        out.append(Continuing(training_class, progress, next_lesson))
    return out
