"""Enrolment the way institutions and enterprises work.

- An enterprise applies (报名申请) for its current staff to an institution's class it sees; already enrolled staff
  and those with an application in progress are not offered again. The institution accepts or refuses each
  (报名审核, a refusal with its reason); accepting enrols the person, who becomes the institution's 学员.
  Each state change is one conditional statement (``INSERT … ON CONFLICT DO UPDATE … WHERE``, ``UPDATE … WHERE
  state = 'pending' RETURNING``), so a double click or two reviewers decide once.
- An institution invites an enterprise of its province to a class; the enterprise then applies for its staff.
- Bulk: an xlsx (or csv) of 证件号码 — as WPS and Excel export them (a title row above the header, numbers stored as
  numbers, spaces, 15-digit first-generation numbers, blank rows), read with the roster import's bounds — enrols
  or applies for every listed person the user may, and reports every other row with its number and reason; nothing
  is stored while a row is wrong unless the user chose to import the valid rows only.
- The learner's 继续学习: the classes under way with their hours and the next lesson.

Functions flush; the view commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from app.archive.services import record_event
from app.core import crypto
from app.core.clock import utcnow
from app.core.db import conditional_update, insert_on_conflict
from app.core.errors import DomainError
from app.core.messages import message_for
from app.extensions import db
from app.people.identifiers import IdentifierError, id_number_from_cell, mask_id, parse_resident_id
from app.people.models import Enterprise, IdType, Person
from app.people.roster_import import FileUnreadable, read_table
from app.people.scope import invitable_enterprises_query
from app.people.services import names_match
from app.training import classes, study
from app.training import messages as _messages  # noqa: F401  (registers the training codes)
from app.training import scope as training_scope
from app.training.attendance.entry_rules import class_today
from app.training.models import (
    ApplicationState,
    ClassInvitation,
    ClassMode,
    Enrolment,
    EnrolmentApplication,
    Lesson,
    TrainingClass,
)

#: Applications that hold a person's place: not offered again, not applied for twice.
IN_PROGRESS = (ApplicationState.PENDING, ApplicationState.ACCEPTED)

# ---------------------------------------------------------------- who can still be picked


def search_condition(q: str):
    """A person matches ``q`` by name (a part of it), by the whole 证件号码 (through its blind index) or by the
    last four characters of it (as every masked number shows them)."""
    q = (q or "").strip()
    if not q:
        return sa.true()
    conditions = [Person.name.contains(q, autoescape=True)]
    try:
        number = parse_resident_id(id_number_from_cell(q)).number
    except IdentifierError:
        number = None
    if number:
        conditions.append(Person.id_hash.in_(crypto.blind_indexes(IdType.RESIDENT_ID.value, number)))
    if re.fullmatch(r"\d{3}[\dXx]", q):
        conditions.append(Person.id_masked.endswith(q.upper()))
    return sa.or_(*conditions)


def pickable_query(user, training_class: TrainingClass, q: str = "") -> sa.Select:
    """The persons ``user`` may still enrol or apply for in the class: its people in scope
    (:func:`app.training.scope.enrolable_persons_query`), without those enrolled or with an application in
    progress, matching ``q`` (:func:`search_condition`), by name."""
    enrolled = sa.select(Enrolment.person_id).where(Enrolment.class_id == training_class.id)
    applied = sa.select(EnrolmentApplication.person_id).where(
        EnrolmentApplication.class_id == training_class.id, EnrolmentApplication.state.in_(IN_PROGRESS)
    )
    return (
        training_scope.enrolable_persons_query(user)
        .where(Person.id.not_in(enrolled), Person.id.not_in(applied), search_condition(q))
        .order_by(Person.name, Person.id)
    )


def _check_pickable(user, training_class: TrainingClass, person_ids: list[int]) -> None:
    allowed = set(
        db.session.scalars(
            training_scope.enrolable_persons_query(user).where(Person.id.in_(person_ids)).with_only_columns(Person.id)
        )
    )
    if set(person_ids) - allowed:
        raise DomainError("enrolment.out_of_scope", http_status=403, count=len(set(person_ids) - allowed))


def _check_open(training_class: TrainingClass, now: datetime) -> None:
    if class_today(training_class, now) > training_class.ends_on:
        raise DomainError("class.ended")


# ---------------------------------------------------------------- applications


def apply(training_class: TrainingClass, person_ids, *, actor, now: datetime | None = None) -> int:
    """报名申请 of the enterprise ``actor`` for these staff; returns how many applications are new (or made again
    after a refusal or withdrawal). Enrolled staff and applications in progress are skipped.

    :raises DomainError: ``enrolment.not_applicant`` (403), ``class.ended``, ``class.not_enrolable`` (403).
    """
    now = now or utcnow()
    if not training_scope.can_apply(actor, training_class):
        raise DomainError("enrolment.not_applicant", http_status=403)
    _check_open(training_class, now)
    person_ids = list(dict.fromkeys(person_ids))
    _check_pickable(actor, training_class, person_ids)
    enrolled = set(db.session.scalars(sa.select(Enrolment.person_id).where(Enrolment.class_id == training_class.id)))
    enterprise = db.session.get(Enterprise, actor.enterprise_id)
    made = 0
    for person_id in person_ids:
        if person_id in enrolled:
            continue
        values = {
            "state": ApplicationState.PENDING,
            "applied_by_id": actor.id,
            "applied_at": now,
            "enterprise_id": enterprise.id,
            "decided_by_id": None,
            "decided_at": None,
            "note": "",
        }
        stmt = insert_on_conflict(db.session, EnrolmentApplication).values(
            class_id=training_class.id, person_id=person_id, **values
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["class_id", "person_id"],
            set_=values,
            where=EnrolmentApplication.state.in_((ApplicationState.REFUSED, ApplicationState.WITHDRAWN)),
        )
        if db.session.execute(stmt.returning(EnrolmentApplication.id)).first() is None:
            continue  # pending or accepted already
        record_event(
            person_id,
            "training.applied",
            classes.class_facts(training_class) | {"enterprise": enterprise.name},
            actor=actor,
            enterprise_id=enterprise.id,
            at=now,
        )
        made += 1
    db.session.flush()
    return made


def _decided(training_class: TrainingClass, application_ids, state: ApplicationState, *, actor, note: str, now):
    """Pending applications of the class among ``application_ids`` moved to ``state``, each once: (person id,
    enterprise id) of those this call decided."""
    rows = db.session.execute(
        conditional_update(EnrolmentApplication)
        .where(
            EnrolmentApplication.id.in_(list(application_ids)),
            EnrolmentApplication.class_id == training_class.id,
            EnrolmentApplication.state == ApplicationState.PENDING,
        )
        .values(state=state, decided_by_id=actor.id, decided_at=now, note=note[:200])
        .returning(EnrolmentApplication.person_id, EnrolmentApplication.enterprise_id)
    ).all()
    return [(row.person_id, row.enterprise_id) for row in rows]


def accept(training_class: TrainingClass, application_ids, *, actor, now: datetime | None = None) -> int:
    """报名审核: accept pending applications; the persons are enrolled (``training.enrolled`` via application).
    Returns how many this call accepted (a second click or a second reviewer accepts none).

    :raises DomainError: ``enrolment.not_reviewer`` (403).
    """
    now = now or utcnow()
    if not training_scope.can_decide_applications(actor, training_class):
        raise DomainError("enrolment.not_reviewer", http_status=403)
    decided = _decided(training_class, application_ids, ApplicationState.ACCEPTED, actor=actor, note="", now=now)
    classes.enrol(training_class, [person_id for person_id, _enterprise in decided], actor=actor, via="application")
    return len(decided)


def refuse(training_class: TrainingClass, application_ids, *, actor, note: str, now: datetime | None = None) -> int:
    """报名审核: refuse pending applications, with the reason the enterprise (and the person's file) is told.

    :raises DomainError: ``enrolment.refusal_note``, ``enrolment.not_reviewer`` (403).
    """
    now = now or utcnow()
    note = (note or "").strip()
    if not note:
        raise DomainError("enrolment.refusal_note", http_status=400)
    if not training_scope.can_decide_applications(actor, training_class):
        raise DomainError("enrolment.not_reviewer", http_status=403)
    decided = _decided(training_class, application_ids, ApplicationState.REFUSED, actor=actor, note=note, now=now)
    names = dict(db.session.execute(sa.select(Enterprise.id, Enterprise.name)).all()) if decided else {}
    for person_id, enterprise_id in decided:
        record_event(
            person_id,
            "training.application_refused",
            classes.class_facts(training_class) | {"enterprise": names.get(enterprise_id, ""), "note": note},
            actor=actor,
            enterprise_id=enterprise_id,
            at=now,
        )
    return len(decided)


def withdraw(application: EnrolmentApplication, *, actor, now: datetime | None = None) -> None:
    """The enterprise takes back a pending application.

    :raises DomainError: ``enrolment.not_pending``.
    """
    now = now or utcnow()
    won = db.session.execute(
        conditional_update(EnrolmentApplication)
        .where(
            EnrolmentApplication.id == application.id,
            EnrolmentApplication.enterprise_id == actor.enterprise_id,
            EnrolmentApplication.state == ApplicationState.PENDING,
        )
        .values(state=ApplicationState.WITHDRAWN, decided_by_id=actor.id, decided_at=now)
        .returning(EnrolmentApplication.id)
    ).first()
    if won is None:
        raise DomainError("enrolment.not_pending")
    db.session.refresh(application)
    record_event(
        application.person_id,
        "training.application_withdrawn",
        classes.class_facts(application.training_class) | {"enterprise": application.enterprise.name},
        actor=actor,
        enterprise_id=application.enterprise_id,
        at=now,
    )


def applications_of(training_class: TrainingClass, user) -> list[EnrolmentApplication]:
    """The class's applications ``user`` sees (the institution all, an enterprise its own), pending first."""
    pending_first = sa.case((EnrolmentApplication.state == ApplicationState.PENDING, 0), else_=1)
    return db.session.scalars(
        training_scope.applications_query(user)
        .where(EnrolmentApplication.class_id == training_class.id)
        .order_by(pending_first, EnrolmentApplication.applied_at, EnrolmentApplication.id)
    ).all()


# ---------------------------------------------------------------- invitations


def invite(
    training_class: TrainingClass, enterprise_id: int, *, actor, note: str = "", now: datetime | None = None
) -> bool:
    """An institution invites an enterprise of its province to send staff; True when the invitation is new.

    :raises DomainError: ``enrolment.not_reviewer`` (403) unless the institution runs the class, ``class.ended``,
        ``enrolment.no_such_enterprise`` (404) for an enterprise it may not invite.
    """
    now = now or utcnow()
    if not training_scope.can_decide_applications(actor, training_class):
        raise DomainError("enrolment.not_reviewer", http_status=403)
    _check_open(training_class, now)
    enterprise = db.session.scalars(invitable_enterprises_query(actor).where(Enterprise.id == enterprise_id)).first()
    if enterprise is None:
        raise DomainError("enrolment.no_such_enterprise", http_status=404)
    made = db.session.execute(
        insert_on_conflict(db.session, ClassInvitation)
        .values(
            class_id=training_class.id,
            enterprise_id=enterprise.id,
            invited_by_id=actor.id,
            invited_at=now,
            note=(note or "").strip()[:200],
        )
        .on_conflict_do_nothing(index_elements=["class_id", "enterprise_id"])
        .returning(ClassInvitation.id)
    ).first()
    return made is not None


def invitations_for(user, *, today: date | None = None) -> list[ClassInvitation]:
    """Invitations ``user`` sees (an enterprise: those it received), newest first."""
    return db.session.scalars(
        training_scope.invitations_query(user).order_by(ClassInvitation.invited_at.desc(), ClassInvitation.id.desc())
    ).all()


# ---------------------------------------------------------------- bulk from a file of 证件号码

ID_HEADERS = {"证件号码", "身份证号", "身份证号码", "公民身份号码", "身份证", "证件号"}
NAME_HEADERS = {"姓名", "名字"}


@dataclass(frozen=True)
class BulkResult:
    """What a file did: persons enrolled or applied for, persons already in (skipped), row errors."""

    done: int
    skipped: int
    errors: list[tuple[int, str]]
    applied: bool


def _columns(table: list[list[object]]) -> tuple[int, int, int | None]:
    """(first data row index, ID column, name column or None): the first of the first ten rows naming an ID column
    is the header (a title row may sit above it); without one, the ID numbers are the first column of every row."""
    for index, values in enumerate(table[:10]):
        cells = [re.sub(r"\s+", "", str(v)).lstrip("*") if v is not None else "" for v in values]
        id_column = next((i for i, c in enumerate(cells) if c in ID_HEADERS), None)
        if id_column is not None:
            name_column = next((i for i, c in enumerate(cells) if c in NAME_HEADERS), None)
            return index + 1, id_column, name_column
    return 0, 0, None


def parse_id_file(user, training_class: TrainingClass, data: bytes, filename: str):
    """Rows of a file of 证件号码 → ([(row, person id)], [(row, reason)], skipped): each ID number must be a valid
    one of a person ``user`` may enrol or apply for (the same words whether the number is unknown or out of scope:
    the file is no way to learn who is registered); a 姓名 column, if there is one, must match."""
    try:
        table = read_table(data, filename)
    except FileUnreadable as exc:
        raise DomainError("enrolment.file", http_status=400, detail=message_for(exc.code, exc.params)) from None
    start, id_column, name_column = _columns(table)
    scope = training_scope.enrolable_persons_query(user).with_only_columns(Person.id)
    enrolled = set(db.session.scalars(sa.select(Enrolment.person_id).where(Enrolment.class_id == training_class.id)))
    applied = set(
        db.session.scalars(
            sa.select(EnrolmentApplication.person_id).where(
                EnrolmentApplication.class_id == training_class.id, EnrolmentApplication.state.in_(IN_PROGRESS)
            )
        )
    )
    out_of_scope = _("不在可报名的人员中（须是本单位在职人员；培训机构的新学员由其单位提交报名申请）")
    rows, errors, seen, skipped = [], [], {}, 0
    for number, values in enumerate(table[start:], start=start + 1):
        cell = values[id_column] if id_column < len(values) else None
        name = values[name_column] if name_column is not None and name_column < len(values) else None
        if (cell is None or str(cell).strip() == "") and (name is None or str(name).strip() == ""):
            continue
        try:
            parsed = parse_resident_id(id_number_from_cell(cell))
        except IdentifierError as exc:  # the number as typed, masked (a row error is shown, and may be mistyped)
            errors.append((number, message_for(exc.code, {"value": mask_id(str(cell or "").strip())})))
            continue
        person = db.session.scalars(
            sa.select(Person).where(
                Person.id_hash.in_(crypto.blind_indexes(IdType.RESIDENT_ID.value, parsed.number)),
                Person.id.in_(scope),
            )
        ).first()
        if person is None:
            errors.append((number, out_of_scope))
            continue
        if name is not None and str(name).strip() and not names_match(str(name), person.name):
            errors.append((number, _("姓名与证件号码不符")))
            continue
        if person.id in seen:
            errors.append((number, _("与第 %(row)s 行重复", row=seen[person.id])))
            continue
        seen[person.id] = number
        if person.id in enrolled or person.id in applied:
            skipped += 1
            continue
        rows.append((number, person.id))
    if not rows and not errors and not skipped:
        raise DomainError("enrolment.file", http_status=400, detail=_("文件中没有证件号码"))
    return rows, errors, skipped


def bulk(
    training_class: TrainingClass,
    data: bytes,
    *,
    actor,
    filename: str = "list.xlsx",
    valid_only: bool = False,
    now: datetime | None = None,
) -> BulkResult:
    """Enrol (the organiser) or apply for (an enterprise on an institution's class) everyone a file of 证件号码
    lists. With row errors nothing is stored, unless ``valid_only``.

    :raises DomainError: ``enrolment.file``, ``enrolment.not_applicant`` (403) for a user who may do neither.
    """
    now = now or utcnow()
    applying = training_scope.can_apply(actor, training_class)
    if not applying and not training_scope.can_enrol(actor, training_class):
        raise DomainError("enrolment.not_applicant", http_status=403)
    rows, errors, skipped = parse_id_file(actor, training_class, data, filename)
    if errors and not valid_only:
        return BulkResult(0, skipped, errors, applying)
    person_ids = [person_id for _row, person_id in rows]
    if applying:
        done = apply(training_class, person_ids, actor=actor, now=now) if person_ids else 0
    else:
        done = classes.enrol(training_class, person_ids, actor=actor) if person_ids else 0
    return BulkResult(done, skipped, errors, applying)


# ---------------------------------------------------------------- the learner's 继续学习


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
