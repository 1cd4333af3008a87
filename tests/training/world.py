"""Tenant A's course, lesson and class, for ``tests/test_access_matrix.py``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.auth.models import Role
from app.core.clock import local_today
from app.core.db import utcnow
from app.exams.models import Attempt, AttemptState, ExamKind, Sitting
from app.extensions import db
from app.training import classes, courses
from app.training.attendance import corrections, daily_budget, recording
from app.training.enrolment import applications
from app.training.models import ClassMode, EnrolmentApplication, LessonKind, TrainingType
from tests.factories import Factory

PDF = b"%PDF-1.4\n" + b"0" * 200
#: 8 学时 of 45 minutes: the daily cap (rule ``attendance.daily_cap_hours``) in 面授 minutes.
DAY_MINUTES = 8 * 45


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
    now = utcnow()
    entry = recording.record(
        training_class, w.person_a.id, session_date=today, minutes=90, actor=w.admin_a, reason="签到", now=now
    )
    correction = corrections.request_correction(
        training_class,
        w.person_a.id,
        session_date=today - timedelta(days=1),
        minutes=90,
        actor=w.admin_a,
        reason="签到机故障，补录",
        now=now,
    )
    # enterprise A's application for person A to an institution's class of the province
    institution = Factory().institution("320102")
    institution_user = Factory().user(Role.INSTITUTION, institution_id=institution.id)
    institution_course = courses.create_course(
        title="机构课程", training_type=TrainingType.ANNUAL, actor=institution_user
    )
    courses.add_lesson(institution_course, title="讲义", kind=LessonKind.TEXT, duration_minutes=5, body="……")
    institution_class = classes.create_class(
        course=institution_course,
        title="机构班次",
        mode=ClassMode.ONLINE,
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=30),
        required_hours=1,
        actor=institution_user,
    )
    applications.apply(institution_class, [w.person_a.id], actor=w.admin_a, now=now)
    application = db.session.scalars(
        sa.select(EnrolmentApplication).where(EnrolmentApplication.class_id == institution_class.id)
    ).one()
    return {
        "course_id": course.id,
        "lesson_id": lesson.id,
        "class_id": training_class.id,
        "attendance_id": entry.id,
        "correction_id": correction.id,
        "application_id": application.id,
    }


# ---------------------------------------------------------------- completed training, as other packages' tests need it


def attend(training_class, person, on: date, minutes: int, actor, *, label: str = "", reason: str = "签到表录入"):
    """面授 attendance recorded on the day itself (16:00 in Asia/Shanghai), as the rules want it recorded."""
    return recording.record(
        training_class,
        person.id,
        session_date=on,
        session_label=label,
        minutes=minutes,
        actor=actor,
        reason=reason,
        now=datetime.combine(on, time(8)),
    )


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
    admin or an institution user) that ``persons`` attended for ``hours`` 学时 (45-minute periods) ending on ``on``:
    8 学时 a day (the daily cap), each day recorded on that day; with ``exam_passed`` True/False a graded class exam
    (rows, as the exam engine's own tests cover it), with None none. Returns the class (completed where the exam
    was passed)."""
    on = on or local_today()
    label = title or f"{training_type.label} {operation_code}".strip()
    course = courses.create_course(
        title=f"{label} 课程", training_type=training_type, actor=organiser, operation_code=operation_code
    )
    minutes, sessions, day = round(hours * 45), [], on
    while minutes > 0:  # each day's chunk on the latest day (not after ``on``) every person still has room on
        chunk = min(minutes, DAY_MINUTES)
        while any(daily_budget.day_budget(p.id, day).left_minutes < chunk for p in persons):
            day -= timedelta(days=1)
        sessions.append((day, chunk))
        minutes -= chunk
        day -= timedelta(days=1)
    training_class = classes.create_class(
        course=course,
        title=f"{label} 班",
        mode=ClassMode.OFFLINE,
        starts_on=min([on - timedelta(days=2)] + [d for d, _chunk in sessions]),
        ends_on=on,
        required_hours=hours,
        actor=organiser,
        training_type=training_type,
        post=post,
    )
    classes.enrol(training_class, [p.id for p in persons], actor=organiser)
    for day, chunk in sessions:
        for person in persons:
            attend(training_class, person, day, chunk, organiser, label="全天")
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


def offline_class(world, title="面授班", *, mode=ClassMode.OFFLINE, actor=None, required_hours=16):
    """A 面授 class of 16–27 November 2026 on the world's course, with the world's person enrolled."""
    training_class = classes.create_class(
        course=world.course,
        title=title,
        mode=mode,
        starts_on=date(2026, 11, 16),
        ends_on=date(2026, 11, 27),
        required_hours=required_hours,
        actor=actor or world.organiser,
    )
    classes.enrol(training_class, [world.person.id], actor=actor or world.organiser)
    return training_class
