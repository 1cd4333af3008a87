"""Who may see which enterprises, persons and employments (the roster). Built on ``app.auth.scope``."""

from __future__ import annotations

import sqlalchemy as sa

from app.archive.services import timeline
from app.auth.models import Role, User
from app.auth.scope import NOWHERE, one_or_404, region_prefix
from app.extensions import db
from app.people import photos
from app.people.models import Employment, Person, RecordCorrection, Trainee
from app.tenancy.models import Enterprise, Jurisdiction


def enterprises_query(user: User) -> sa.Select:
    query = sa.select(Enterprise)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.REGULATOR:
            return query.where(Enterprise.region_code.startswith(region_prefix(user) or NOWHERE))
        case Role.ENTERPRISE:
            return query.where(Enterprise.id == user.enterprise_id)
        case _:
            return query.where(sa.false())


def invitable_enterprises_query(user: User) -> sa.Select:
    """Enterprises a training institution may invite to its classes: those of its province (whose admins see its
    classes, ``app.training.scope``). Only the enterprise as registered (name, 行政区划) — never its staff."""
    if user.role is not Role.INSTITUTION or user.institution is None:
        return sa.select(Enterprise).where(sa.false())
    return sa.select(Enterprise).where(Enterprise.region_code.startswith(user.institution.region_code[:2] or NOWHERE))


def visible_enterprise_ids(user: User) -> sa.Select:
    return enterprises_query(user).with_only_columns(Enterprise.id)


def persons_query(user: User) -> sa.Select:
    query = sa.select(Person)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.WORKER:
            return query.where(Person.id == user.person_id)
        case Role.REGULATOR | Role.ENTERPRISE:
            employed = sa.select(Employment.person_id).where(Employment.enterprise_id.in_(visible_enterprise_ids(user)))
            return query.where(Person.id.in_(employed))
        case Role.INSTITUTION:
            return query.where(Person.id.in_(trainee_ids(user)))
        case _:
            return query.where(sa.false())


def trainee_ids(user: User) -> sa.Select:
    """The persons a training institution trains (its 学员): what it may see of people at all."""
    return sa.select(Trainee.person_id).where(Trainee.institution_id == (user.institution_id or -1))


def employments_query(user: User) -> sa.Select:
    query = sa.select(Employment)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.WORKER:
            return query.where(Employment.person_id == user.person_id)
        case Role.REGULATOR | Role.ENTERPRISE:
            return query.where(Employment.enterprise_id.in_(visible_enterprise_ids(user)))
        case Role.INSTITUTION:  # its trainees' current posts (what they are trained and examined for)
            return query.where(Employment.person_id.in_(trainee_ids(user)), Employment.end_date.is_(None))
        case _:
            return query.where(sa.false())


def get_enterprise_or_404(user: User, enterprise_id: int) -> Enterprise:
    return one_or_404(enterprises_query(user).where(Enterprise.id == enterprise_id))


def get_person_or_404(user: User, person_id: int) -> Person:
    return one_or_404(persons_query(user).where(Person.id == person_id))


def get_employment_or_404(user: User, employment_id: int) -> Employment:
    return one_or_404(employments_query(user).where(Employment.id == employment_id))


def reaches_person(user: User, person_id: int) -> bool:
    """Whether ``person_id`` is in the user's scope of persons (without loading the person)."""
    query = persons_query(user).where(Person.id == person_id).with_only_columns(Person.id).limit(1)
    return db.session.scalar(query) is not None


def can_manage_roster(user: User, enterprise: Enterprise) -> bool:
    """Adding, editing and ending employments: the enterprise's own admin, or the platform admin."""
    return user.role is Role.ADMIN or (user.role is Role.ENTERPRISE and user.enterprise_id == enterprise.id)


def can_register_enterprise(user: User, region_code: str) -> bool:
    if user.role is Role.ADMIN:
        return True
    prefix = region_prefix(user)
    return prefix is not None and region_code.startswith(prefix)


def archive_enterprise_filter(user: User) -> int | None:
    """An employer sees only its own and neutral events in a file; everyone else in scope sees all."""
    return user.enterprise_id if user.role is Role.ENTERPRISE else None


# ---------------------------------------------------------------- a second employer sees what the person agrees to


def confirmed_employee_ids(user: User) -> sa.Select:
    """Persons an enterprise admin's enterprise employs with their confirmation (now or before)."""
    return sa.select(Employment.person_id).where(
        Employment.enterprise_id == (user.enterprise_id or -1), Employment.confirmed_at.is_not(None)
    )


def sees_photo_beside_snapshots(user: User, person: Person) -> bool:
    """The registered photo beside a person's 人像抓拍, compared with them by eye: to a user who sees the person's
    full record (:func:`sees_full_record`: not a pending employer), and only while the photo may be compared — there
    is one and the person has not withdrawn consent to it (:func:`app.people.photos.usable`)."""
    return photos.usable(person) and sees_full_record(user, person.id)


def sees_full_record(user: User, person_id: int) -> bool:
    """Whether ``user``, who reaches the person in scope, sees the person's shared record — phone, birth date,
    education, photo, certificates, training hours, neutral archive events. Every role does but an enterprise whose
    only employment of the person awaits the person's confirmation: it sees what it entered itself (its employment
    and its own events) and what public verification shows."""
    if user.role is not Role.ENTERPRISE:
        return True
    query = confirmed_employee_ids(user).where(Employment.person_id == person_id).limit(1)
    return db.session.scalar(query) is not None


def archive_events_for(user: User, person_id: int) -> list:
    """The person's archive events ``user`` may read, newest first: all for the person, regulators and the admin; an
    employer its own and neutral ones — only its own while its employment is pending — and never the results of a
    逢查必考 of another employer (the exam events of such an inspection's sitting are neutral, organised by the
    regulator)."""
    enterprise_id = archive_enterprise_filter(user)
    events = timeline(person_id, enterprise_id=enterprise_id)
    if enterprise_id is None:
        return events
    if not sees_full_record(user, person_id):
        return [e for e in events if e.enterprise_id == enterprise_id]
    return [e for e in events if e.enterprise_id == enterprise_id or not _spotcheck_exam(e)]


def _spotcheck_exam(event) -> bool:
    return event.kind.startswith("exam.") and '"exam_kind":"spotcheck"' in event.payload


def pending_employments_query(user: User) -> sa.Select:
    """The signed-in person's employments awaiting their confirmation."""
    return sa.select(Employment).where(
        Employment.person_id == (user.person_id or -1) if user.role is Role.WORKER else sa.false(),
        Employment.confirmed_at.is_(None),
        Employment.end_date.is_(None),
    )


def can_confirm_employment(user: User, employment: Employment) -> bool:
    """Confirming a pending employment: the person on their account, or a regulator over the person's area in person
    (it reaches the employment in scope)."""
    if user.role is Role.WORKER:
        return user.person_id == employment.person_id
    return user.role is Role.REGULATOR


def jurisdictions_query(user: User) -> sa.Select:
    """The 行政区划 a user may register enterprises in: every one for the platform admin, a regulator's own subtree,
    none for anyone else."""
    query = sa.select(Jurisdiction)
    if (prefix := region_prefix(user)) is not None:
        return query.where(Jurisdiction.code.startswith(prefix))
    return query if user.role is Role.ADMIN else query.where(sa.false())


def corrections_query(user: User) -> sa.Select:
    """更正申请 a user may read: the person's own; those addressed to an enterprise admin's enterprise; for a
    regulator every request of a person in its area (it is the authority, and supervises the employers)."""
    query = sa.select(RecordCorrection)
    match user.role:
        case Role.WORKER:
            return query.where(RecordCorrection.person_id == (user.person_id or -1))
        case Role.ENTERPRISE:
            return query.where(RecordCorrection.enterprise_id == (user.enterprise_id or -1))
        case Role.REGULATOR:
            return query.where(RecordCorrection.person_id.in_(persons_query(user).with_only_columns(Person.id)))
        case _:
            return query.where(sa.false())


def get_correction_or_404(user: User, correction_id: int) -> RecordCorrection:
    return one_or_404(corrections_query(user).where(RecordCorrection.id == correction_id))


def can_answer_correction(user: User, correction: RecordCorrection) -> bool:
    """Answering a request the user reads (:func:`corrections_query`): its enterprise's admin, or a regulator over
    the person — never the person."""
    return user.role in (Role.ENTERPRISE, Role.REGULATOR)
