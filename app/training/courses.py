"""Courses and lessons: build, version, freeze. Functions flush; the view commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.auth.scope import own_scope
from app.core.clock import utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.training import files, media
from app.training import messages as _messages  # noqa: F401  (registers the training codes)
from app.training.models import Course, Lesson, LessonKind, TrainingType


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def create_course(
    *,
    title: str,
    training_type: TrainingType,
    actor,
    description: str = "",
    posts: list[str] | None = None,
    industries: list[str] | None = None,
    operation_code: str = "",
) -> Course:
    """A new course (version 1) owned by the actor's enterprise, institution, region or the nation (admin).

    :raises DomainError: ``course.not_owner`` for a role that builds no courses.
    """
    owner = own_scope(actor)
    if owner is None:
        raise DomainError("course.not_owner", http_status=403)
    course = Course(
        title=title.strip(),
        description=description.strip(),
        training_type=training_type,
        posts=list(posts or []),
        industries=list(industries or []),
        operation_code=operation_code or "",
        version=1,
        created_by_id=actor.id,
        **owner,
    )
    db.session.add(course)
    db.session.flush()
    course.family_id = course.id
    db.session.flush()
    return course


def _editable(course: Course) -> None:
    if course.frozen:
        raise DomainError("course.frozen")


def add_lesson(
    course: Course,
    *,
    title: str,
    kind: LessonKind,
    duration_minutes: float | None = None,
    body: str = "",
    upload: Upload | None = None,
) -> Lesson:
    """Append a lesson; a video, PDF or image lesson needs its file, checked by content and size and stored. A
    video's duration is read from the file (``duration_minutes`` is not used); the others' is the time a learner
    must spend on them, 1 to 600 minutes.

    :raises DomainError: ``course.frozen``, ``lesson.duration``, ``lesson.file_required``, ``lesson.file_type``,
        ``lesson.file_size``, ``lesson.media_unreadable``, ``lesson.media_duration``.
    """
    _editable(course)
    if kind is not LessonKind.VIDEO and not (duration_minutes and 0 < duration_minutes <= 600):
        raise DomainError("lesson.duration", http_status=400)
    lesson = Lesson(
        course_id=course.id,
        position=len(course.lessons) + 1,
        title=title.strip(),
        kind=kind,
        duration_seconds=round((duration_minutes or 0) * 60),
        body=body or "",
    )
    if kind is not LessonKind.TEXT:
        if upload is None or not upload.data:
            raise DomainError("lesson.file_required", http_status=400)
        content_type = files.sniff(kind, upload.data)
        if kind is LessonKind.VIDEO:
            lesson.duration_seconds = _video_seconds(content_type, upload.data)
        key = files.new_key(kind, content_type)
        files.put(key, upload.data, content_type)
        lesson.file_key, lesson.content_type = key, content_type
        lesson.file_name, lesson.file_size = upload.filename[-200:], len(upload.data)
    course.lessons.append(lesson)
    db.session.flush()
    return lesson


def _video_seconds(content_type: str, data: bytes) -> int:
    """A video lesson's duration: the whole seconds the file plays (at least 1, at most 600 minutes)."""
    seconds = media.duration_seconds(content_type, data)
    if not 1 <= seconds <= 600 * 60:
        raise DomainError("lesson.media_duration", http_status=400, seconds=round(seconds))
    return int(seconds)


def remove_lesson(lesson: Lesson) -> None:
    _editable(lesson.course)
    course = lesson.course
    course.lessons.remove(lesson)
    for position, other in enumerate(course.lessons, start=1):
        other.position = position
    db.session.flush()


def new_version(course: Course, *, actor) -> Course:
    """Copy a course and its lessons as the family's next version (files are shared: stored files never change)."""
    latest = db.session.scalar(sa.select(sa.func.max(Course.version)).where(Course.family_id == course.family_id))
    copy = Course(
        title=course.title,
        description=course.description,
        training_type=course.training_type,
        posts=list(course.posts),
        industries=list(course.industries),
        operation_code=course.operation_code,
        family_id=course.family_id,
        version=(latest or course.version) + 1,
        created_by_id=actor.id if actor else None,
        scope=course.scope,
        region_code=course.region_code,
        enterprise_id=course.enterprise_id,
        institution_id=course.institution_id,
    )
    copy.lessons = [
        Lesson(
            position=lesson.position,
            title=lesson.title,
            kind=lesson.kind,
            duration_seconds=lesson.duration_seconds,
            body=lesson.body,
            file_key=lesson.file_key,
            file_name=lesson.file_name,
            content_type=lesson.content_type,
            file_size=lesson.file_size,
        )
        for lesson in course.lessons
    ]
    db.session.add(copy)
    db.session.flush()
    return copy


def freeze(course: Course, now: datetime | None = None) -> None:
    """A class uses this version: its lessons stop changing."""
    if course.frozen_at is None:
        course.frozen_at = now or utcnow()
        db.session.flush()
