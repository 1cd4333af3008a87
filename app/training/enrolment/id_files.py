"""Enrolling or applying from a file of 证件号码: an xlsx (or csv) as WPS and Excel export them (a title row above
the header, numbers stored as numbers, spaces, 15-digit first-generation numbers, blank rows), read with the roster
import's bounds. Every other row is reported with its number and reason; nothing is stored while a row is wrong
unless the user chose to import the valid rows only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core import crypto
from app.core.clock import utcnow
from app.core.errors import DomainError
from app.core.messages import message_for
from app.extensions import db
from app.people.identifiers import IdentifierError, id_number_from_cell, mask_id, parse_resident_id
from app.people.models import IdType, Person
from app.people.services import names_match
from app.people.table_files import FileUnreadable, read_table
from app.training import classes
from app.training import scope as training_scope
from app.training.enrolment.applications import apply
from app.training.enrolment.picking import IN_PROGRESS
from app.training.models import Enrolment, EnrolmentApplication, TrainingClass

ID_HEADERS = {"证件号码", "身份证号", "身份证号码", "公民身份号码", "身份证", "证件号"}


NAME_HEADERS = {"姓名", "名字"}


@dataclass(frozen=True)
class IdFileResult:
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
) -> IdFileResult:
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
        return IdFileResult(0, skipped, errors, applying)
    person_ids = [person_id for _row, person_id in rows]
    if applying:
        done = apply(training_class, person_ids, actor=actor, now=now) if person_ids else 0
    else:
        done = classes.enrol(training_class, person_ids, actor=actor) if person_ids else 0
    return IdFileResult(done, skipped, errors, applying)
