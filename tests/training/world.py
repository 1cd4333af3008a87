"""Tenant A's course, lesson and class, for ``tests/test_access_matrix.py``."""

from __future__ import annotations

from datetime import date, timedelta

from app.core.clock import local_today
from app.core.db import utcnow
from app.exams.models import Attempt, AttemptState, ExamKind, Sitting
from app.extensions import db
from app.training import classes, courses
from app.training.models import ClassMode, LessonKind, TrainingType

PDF = b"%PDF-1.4\n" + b"0" * 200


def objects_for_access_matrix(tenant_world) -> dict:
    """Enterprise A's own course with a PDF lesson, and a running class of it with person A enrolled."""
    w = tenant_world
    course = courses.create_course(title="矩阵课程", training_type=TrainingType.ANNUAL, actor=w.admin_a)
    lesson = courses.add_lesson(
        course, title="讲义", kind=LessonKind.PDF, duration_minutes=5, upload=courses.Upload("a.pdf", PDF)
    )
    today = local_today()
    training_class = classes.create_class(
        course=course,
        title="矩阵班次",
        mode=ClassMode.BLENDED,
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=30),
        required_hours=1,
        actor=w.admin_a,
    )
    classes.enrol(training_class, [w.person_a.id], actor=w.admin_a)
    return {"course_id": course.id, "lesson_id": lesson.id, "class_id": training_class.id}


# ---------------------------------------------------------------- completed training, as other packages' tests need it


def trained(
    organiser,
    persons,
    *,
    hours: float = 8,
    training_type: TrainingType = TrainingType.INITIAL,
    operation_code: str = "",
    on: date | None = None,
    exam_passed: bool | None = True,
    title: str = "",
    post: str = "",
):
    """A 面授 class of ``training_type`` (for ``operation_code``, if given) organised by ``organiser`` (an enterprise
    admin or an institution user) that ``persons`` attended for ``hours`` 学时 on ``on`` (45-minute periods, in
    sessions of at most 12 学时); with ``exam_passed`` True/False a graded class exam (rows, as the exam engine's own
    tests cover it), with None none. Returns the class (completed where the exam was passed)."""
    on = on or local_today()
    label = title or f"{training_type.label} {operation_code}".strip()
    course = courses.create_course(
        title=f"{label} 课程", training_type=training_type, actor=organiser, operation_code=operation_code
    )
    training_class = classes.create_class(
        course=course,
        title=f"{label} 班",
        mode=ClassMode.OFFLINE,
        starts_on=on - timedelta(days=2),
        ends_on=on,
        required_hours=hours,
        actor=organiser,
        training_type=training_type,
        post=post,
    )
    classes.enrol(training_class, [p.id for p in persons], actor=organiser)
    minutes, session = round(hours * 45), 0
    while minutes > 0:
        chunk = min(minutes, 540)
        for person in persons:
            classes.record_attendance(
                training_class,
                person.id,
                session_date=on,
                session_label=f"第{session + 1}节",
                minutes=chunk,
                actor=organiser,
                reason="测试补录",
            )
        minutes -= chunk
        session += 1
    if exam_passed is not None:
        pass_class_exam(training_class, persons, passed=exam_passed)
    return training_class


def pass_class_exam(training_class, persons, *, passed: bool = True):
    """The class exam as a graded sitting (kind ``class``) in which ``persons`` passed (or failed)."""
    now = utcnow()
    sitting = training_class.exam_sitting_id and db.session.get(Sitting, training_class.exam_sitting_id)
    if not sitting:
        sitting = Sitting(
            title=training_class.title,
            kind=ExamKind.CLASS,
            subject=f"class:{training_class.id}",
            post=training_class.post,
            operation_code=training_class.operation_code,
            spec={"pass_mark": 60, "sections": []},
            opens_at=now - timedelta(hours=3),
            closes_at=now - timedelta(hours=1),
            duration_minutes=60,
            enterprise_id=training_class.enterprise_id,
            institution_id=training_class.institution_id,
            region_code=training_class.region_code,
        )
        db.session.add(sitting)
        db.session.flush()
        training_class.exam_sitting_id = sitting.id
    for person in persons:
        db.session.add(
            Attempt(
                sitting_id=sitting.id,
                person_id=person.id,
                state=AttemptState.GRADED,
                paper={},
                seed=1,
                started_at=now - timedelta(hours=2),
                deadline=now - timedelta(hours=1),
                graded_at=now - timedelta(hours=1),
                score=90.0 if passed else 40.0,
                max_score=100.0,
                passed=passed,
            )
        )
    db.session.flush()
    for person in persons:  # what the engine's graded listener does (app.training.classes._class_exam_graded)
        classes.refresh_completions(training_class, person_id=person.id)
    return sitting
