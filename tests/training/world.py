"""Tenant A's course, lesson and class, for ``tests/test_access_matrix.py``."""

from __future__ import annotations

from datetime import timedelta

from app.core.clock import local_today
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
