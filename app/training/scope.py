"""Who may see which courses, classes, lessons and lesson files. Built on ``app.auth.scope``.

=========== ====================================================================================================
courses     as question banks (``owned_visibility``): national ones for every staff role, an enterprise's or
            institution's own; changing one needs ``owns``
classes     the organiser's own (``organises``); a regulator's region, read only; an enterprise also sees the
            institution classes of its province, where it may enrol its own staff (and sees only them)
learner     the classes the worker is enrolled in, their lessons and the lesson files
=========== ====================================================================================================
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from app.auth.models import Role, User
from app.auth.scope import NOWHERE, one_or_404, organises, owned_visibility, owns, region_prefix
from app.extensions import db
from app.people.models import Employment, Person
from app.people.scope import employments_query, persons_query
from app.training.models import Course, Enrolment, Lesson, TrainingClass


def courses_query(user: User) -> sa.Select:
    if user.role is Role.WORKER:
        return sa.select(Course).where(sa.false())
    return sa.select(Course).where(owned_visibility(Course, user))


def get_course_or_404(user: User, course_id: int) -> Course:
    return one_or_404(courses_query(user).where(Course.id == course_id))


def can_manage_course(user: User, course: Course) -> bool:
    return owns(user, course)


def _province(user: User) -> str:
    code = user.enterprise.region_code if user.role is Role.ENTERPRISE and user.enterprise else ""
    return code[:2] if code else NOWHERE


def classes_query(user: User) -> sa.Select:
    """Classes a staff user may see (see the module table)."""
    query = sa.select(TrainingClass)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.REGULATOR:
            return query.where(TrainingClass.region_code.startswith(region_prefix(user) or NOWHERE))
        case Role.ENTERPRISE:
            open_to_it = sa.and_(
                TrainingClass.institution_id.is_not(None), TrainingClass.region_code.startswith(_province(user))
            )
            return query.where(sa.or_(TrainingClass.enterprise_id == user.enterprise_id, open_to_it))
        case Role.INSTITUTION:
            return query.where(TrainingClass.institution_id == user.institution_id)
        case _:
            return query.where(sa.false())


def get_class_or_404(user: User, class_id: int) -> TrainingClass:
    return one_or_404(classes_query(user).where(TrainingClass.id == class_id))


def can_organise(user: User, training_class: TrainingClass) -> bool:
    """Attendance, the class exam, the class archive: the organiser (a regulator only for its own classes)."""
    return organises(user, training_class)


def can_enrol(user: User, training_class: TrainingClass) -> bool:
    """The organiser, or an enterprise admin for an institution class it sees (its own staff only)."""
    if organises(user, training_class):
        return True
    return user.role is Role.ENTERPRISE and training_class.institution_id is not None


def enrolable_persons_query(user: User) -> sa.Select:
    """Persons ``user`` may enrol: its current staff in scope, never another tenant's people."""
    if user.role not in (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE):
        return sa.select(Person).where(sa.false())
    current = employments_query(user).where(Employment.end_date.is_(None)).with_only_columns(Employment.person_id)
    return sa.select(Person).where(Person.id.in_(current))


def roster_person_filter(user: User, training_class: TrainingClass):
    """Which enrolments of a class ``user`` is shown: all for the organiser and regulators in scope; an enterprise
    admin looking at an institution's class sees only its own staff."""
    if user.role is Role.ENTERPRISE and not organises(user, training_class):
        return Enrolment.person_id.in_(persons_query(user).with_only_columns(Person.id))
    return sa.true()


def class_member_or_404(user: User, training_class: TrainingClass, person_id: int) -> Person:
    """A trainee of the class that ``user`` is shown on its roster (:func:`roster_person_filter`), or a 404."""
    return one_or_404(
        sa.select(Person)
        .join(Enrolment, Enrolment.person_id == Person.id)
        .where(
            Enrolment.class_id == training_class.id,
            Person.id == person_id,
            roster_person_filter(user, training_class),
        )
    )


# ---------------------------------------------------------------- learner


def my_classes_query(user: User) -> sa.Select:
    if user.role is not Role.WORKER or user.person_id is None:
        return sa.select(TrainingClass).where(sa.false())
    mine = sa.select(Enrolment.class_id).where(Enrolment.person_id == user.person_id)
    return sa.select(TrainingClass).where(TrainingClass.id.in_(mine))


def get_my_class_or_404(user: User, class_id: int) -> TrainingClass:
    return one_or_404(my_classes_query(user).where(TrainingClass.id == class_id))


def get_my_lesson_or_404(user: User, training_class: TrainingClass, lesson_id: int) -> Lesson:
    return one_or_404(sa.select(Lesson).where(Lesson.id == lesson_id, Lesson.course_id == training_class.course_id))


def may_read_lesson_file(user: User, lesson: Lesson) -> bool:
    """A lesson's file is streamed only to who may see its course or a class teaching it, or to a learner
    enrolled in a class teaching it. Never from a public URL."""
    if user.role is Role.WORKER:
        if user.person_id is None:
            return False
        taught = (
            sa.select(Enrolment.id)
            .join(TrainingClass, TrainingClass.id == Enrolment.class_id)
            .where(Enrolment.person_id == user.person_id, TrainingClass.course_id == lesson.course_id)
        )
        return db.session.scalar(taught.limit(1)) is not None
    course = courses_query(user).where(Course.id == lesson.course_id).with_only_columns(Course.id)
    taught = classes_query(user).where(TrainingClass.course_id == lesson.course_id).with_only_columns(TrainingClass.id)
    return db.session.scalar(course.limit(1)) is not None or db.session.scalar(taught.limit(1)) is not None


def lesson_or_404(lesson_id: int) -> Lesson:
    """A lesson by id, before :func:`may_read_lesson_file` decides whether its file is shown."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        abort(404)
    return lesson
