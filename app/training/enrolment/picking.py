"""Who can still be picked for a class: the user's staff not enrolled and without an application in progress,
and whether the class still takes anyone."""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa

from app.core import crypto
from app.core.errors import DomainError
from app.extensions import db
from app.people.identifiers import IdentifierError, id_number_from_cell, parse_resident_id
from app.people.models import IdType, Person
from app.training import scope as training_scope
from app.training.attendance.entry_rules import class_today
from app.training.models import ApplicationState, Enrolment, EnrolmentApplication, TrainingClass

#: Applications that hold a person's place: not offered again, not applied for twice.
IN_PROGRESS = (ApplicationState.PENDING, ApplicationState.ACCEPTED)


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


def check_pickable(user, training_class: TrainingClass, person_ids: list[int]) -> None:
    allowed = set(
        db.session.scalars(
            training_scope.enrolable_persons_query(user).where(Person.id.in_(person_ids)).with_only_columns(Person.id)
        )
    )
    if set(person_ids) - allowed:
        raise DomainError("enrolment.out_of_scope", http_status=403, count=len(set(person_ids) - allowed))


def check_open(training_class: TrainingClass, now: datetime) -> None:
    if class_today(training_class, now) > training_class.ends_on:
        raise DomainError("class.ended")
