"""Who may see which courses, classes, lessons and lesson files. Built on ``app.auth.scope``.

=========== ====================================================================================================
courses     as question banks (``owned_visibility``): national ones for every staff role, an enterprise's or
            institution's own; changing one needs ``owns``
classes     the organiser's own (``organises``); a regulator's region, read only; an enterprise also sees the
            institution classes of its province, where it may enrol its own staff (and sees only them)
learner     the classes the worker is enrolled in, their lessons and the lesson files
attendance  entries and their corrections (更正) of the classes a user sees, for the trainees it is shown on the
            roster; recording and correcting: the organiser; approving a correction: ``app.auth.policy``
enrolment   an enterprise applies (报名申请) for its current staff to an institution class it sees, and sees its
            own applications; the institution sees the applicants of its classes (name, masked ID, post,
            employer: what the enterprise sent it) and decides; a person becomes the institution's 学员 (and so
            visible to it in ``app.people.scope``) only when enrolled. An institution invites enterprises of its
            province and enrols directly only its own 学员 who still work somewhere.
=========== ====================================================================================================
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from flask import abort

from app.auth.models import Role, User
from app.auth.scope import NOWHERE, one_or_404, organises, owned_visibility, owns, region_prefix
from app.extensions import db
from app.people.models import Employment, Person
from app.people.scope import employments_query, persons_query
from app.training.models import (
    Attendance,
    AttendanceCorrection,
    ClassInvitation,
    Course,
    Enrolment,
    EnrolmentApplication,
    Lesson,
    TrainingClass,
)


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
    """Enrolling directly: the organiser (an enterprise admin sends its staff to an institution's class by
    :func:`can_apply` instead, and the institution decides)."""
    return organises(user, training_class)


def can_apply(user: User, training_class: TrainingClass) -> bool:
    """报名申请: an enterprise admin, for an institution's class it sees (its province's)."""
    return (
        user.role is Role.ENTERPRISE
        and user.enterprise_id is not None
        and training_class.institution_id is not None
        and training_class.enterprise_id is None
        and (training_class.region_code or "").startswith(_province(user))
    )


def enrolable_persons_query(user: User) -> sa.Select:
    """Persons ``user`` may enrol (or, as an enterprise, apply for): its current staff in scope — for an
    institution its 学员 who still work somewhere — never another tenant's people."""
    if user.role not in (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.INSTITUTION):
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


@functools.cache
def my_lesson_select() -> sa.Select:
    """:func:`get_my_class_or_404` and :func:`get_my_lesson_or_404` in one statement: ``(TrainingClass, Lesson)`` of
    the class ``:my_class`` the person ``:my_person`` is enrolled in and its course's lesson ``:my_lesson``. Built
    once (every learner's lesson page and its start read it; building it cost more than running it); a caller may
    add columns and outer joins to it (``app.training.study_sql``)."""
    mine = sa.select(Enrolment.class_id).where(Enrolment.person_id == sa.bindparam("my_person", type_=sa.Integer))
    return (
        sa.select(TrainingClass, Lesson)
        .join(
            Lesson,
            sa.and_(
                Lesson.course_id == TrainingClass.course_id,
                Lesson.id == sa.bindparam("my_lesson", type_=sa.Integer),
            ),
        )
        .where(TrainingClass.id == sa.bindparam("my_class", type_=sa.Integer), TrainingClass.id.in_(mine))
    )


def get_my_lesson_row_or_404(user: User, class_id: int, lesson_id: int, stmt: sa.Select | None = None) -> Any:
    """The row of :func:`my_lesson_select` (or of ``stmt``, built on it) for the worker ``user``, or a 404."""
    if user.role is not Role.WORKER or user.person_id is None:
        abort(404)
    params = {"my_person": user.person_id, "my_class": class_id, "my_lesson": lesson_id}
    row = db.session.execute(stmt if stmt is not None else my_lesson_select(), params).first()
    if row is None:
        abort(404)
    return row


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


# ---------------------------------------------------------------- attendance and its corrections


def attendance_or_404(user: User, attendance_id: int) -> Attendance:
    """An entry of a class ``user`` sees, of a trainee it is shown (:func:`roster_person_filter`), or a 404."""
    entry = db.session.get(Attendance, attendance_id)
    if entry is None:
        abort(404)
    training_class = get_class_or_404(user, entry.class_id)
    class_member_or_404(user, training_class, entry.person_id)
    return entry


def corrections_query(user: User) -> sa.Select:
    """Corrections of the classes ``user`` sees (an enterprise on an institution's class: of its own staff)."""
    visible = classes_query(user).with_only_columns(TrainingClass.id)
    query = sa.select(AttendanceCorrection).where(AttendanceCorrection.class_id.in_(visible))
    if user.role is Role.ENTERPRISE:
        own = sa.select(TrainingClass.id).where(TrainingClass.enterprise_id == user.enterprise_id)
        staff = persons_query(user).with_only_columns(Person.id)
        query = query.where(sa.or_(AttendanceCorrection.class_id.in_(own), AttendanceCorrection.person_id.in_(staff)))
    return query


def get_correction_or_404(user: User, correction_id: int) -> AttendanceCorrection:
    return one_or_404(corrections_query(user).where(AttendanceCorrection.id == correction_id))


# ---------------------------------------------------------------- enrolment applications and invitations


def applications_query(user: User) -> sa.Select:
    """报名申请 a user sees: the institution those to its classes, the enterprise its own, a regulator those to
    classes of its region, the platform admin all."""
    query = sa.select(EnrolmentApplication)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.REGULATOR | Role.INSTITUTION:
            visible = classes_query(user).with_only_columns(TrainingClass.id)
            return query.where(EnrolmentApplication.class_id.in_(visible))
        case Role.ENTERPRISE:
            return query.where(EnrolmentApplication.enterprise_id == user.enterprise_id)
        case _:
            return query.where(sa.false())


def get_application_or_404(user: User, application_id: int) -> EnrolmentApplication:
    return one_or_404(applications_query(user).where(EnrolmentApplication.id == application_id))


def can_decide_applications(user: User, training_class: TrainingClass) -> bool:
    """报名审核 and invitations: the class's organiser (applications come only to institutions' classes)."""
    return organises(user, training_class)


def invitations_query(user: User) -> sa.Select:
    """Invitations a user sees: the institution those of its classes, the enterprise those it received."""
    query = sa.select(ClassInvitation)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.INSTITUTION:
            return query.where(ClassInvitation.class_id.in_(classes_query(user).with_only_columns(TrainingClass.id)))
        case Role.ENTERPRISE:
            return query.where(ClassInvitation.enterprise_id == user.enterprise_id)
        case _:
            return query.where(sa.false())
