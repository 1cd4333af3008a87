"""Roster workflows: register persons and enterprises, employ, edit, end employment.

Functions take plain values plus an explicit ``actor`` and flush; the view or CLI commits (STYLE.md 3.4).
Each change that belongs in a person's file writes its archive event in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.archive.services import record_event
from app.core import crypto
from app.core.clock import local_today, utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.people import messages as _messages  # noqa: F401  (registers the roster codes)
from app.people.identifiers import IdentifierError, parse_resident_id, validate_uscc
from app.people.models import Employment, EmploymentType, IdType, Person, Post, permit_master_change
from app.rules.models import Operation
from app.tenancy.models import Affiliation, Enterprise, Industry, Jurisdiction


@dataclass(frozen=True)
class PersonData:
    """What a form or an import row says about a person and their job."""

    name: str
    id_type: IdType
    id_number: str
    phone: str = ""
    education: str = ""
    post: Post = Post.WORKER
    employment_type: EmploymentType = EmploymentType.REGULAR
    operation_code: str | None = None
    job_title: str = ""
    start_date: date | None = None


def find_person(id_type: IdType, id_number: str) -> Person | None:
    """The person with this 证件, found through the blind index (the number itself is encrypted)."""
    digests = crypto.blind_indexes(id_type.value, id_number)
    return db.session.scalars(sa.select(Person).where(Person.id_type == id_type, Person.id_hash.in_(digests))).first()


def own_person(user) -> Person | None:
    """A worker's own person record (``User.person_id``: auth keeps the key, the row is this layer's); None for an
    account that is no person."""
    return db.session.get(Person, user.person_id) if user.person_id is not None else None


def operation_exists(code: str) -> bool:
    """True when ``code`` is an 操作项目 (or a 作业类别 with no items, such as 11) of the catalogue."""
    op = db.session.scalars(sa.select(Operation).where(Operation.code == code)).first()
    return op is not None and op.valid_to is None


def check_operation(post: Post, operation_code: str | None) -> str | None:
    """特种作业人员 need a catalogue 操作项目; other posts carry none."""
    if post is Post.SPECIAL_OPERATOR:
        if not operation_code:
            raise DomainError("operation.required")
        if not operation_exists(operation_code):
            raise DomainError("operation.unknown", code=operation_code)
        return operation_code
    return None


def employ(data: PersonData, enterprise: Enterprise, *, actor, source: str = "form") -> Employment:
    """Add a person to an enterprise's roster: find them by 证件 (one Person, many employers) or register them.

    :raises DomainError: ``id.*`` for a bad 证件号码, ``employment.duplicate`` if already on this roster.
    :raises IdentifierError: never; converted to ``DomainError`` with the same code.
    """
    try:
        parsed = parse_resident_id(data.id_number, id_type=data.id_type.value)
    except IdentifierError as exc:
        raise DomainError(exc.code, value=data.id_number) from None
    operation = check_operation(data.post, data.operation_code)

    person = find_person(data.id_type, parsed.number)
    known_elsewhere = person is not None and any(e.enterprise_id != enterprise.id for e in person.employments)
    if person is None:
        person = Person(
            name=data.name, sex=parsed.sex, birth_date=parsed.birth_date, phone=data.phone, education=data.education
        )
        person.set_id_number(data.id_type, parsed.number)
        db.session.add(person)
        db.session.flush()
        # Stamped with the registering employer: its source (an import file name) and its admin are that
        # employer's business, not that of the person's later employers.
        record_event(
            person.id,
            "person.registered",
            {"name": person.name, "id": person.id_masked, "sex": person.sex, "source": source},
            actor=actor,
            enterprise_id=enterprise.id,
        )
    else:
        open_here = [e for e in person.current_employments if e.enterprise_id == enterprise.id]
        if open_here:
            raise DomainError("employment.duplicate", name=person.name)
        # A hire adds an employment and nothing else: the registered person's shared fields stay as they are.
        # A different name is not a typo this form may fix (it names someone else): refused, without telling
        # the registered name to this employer.
        if not names_match(data.name, person.name):
            raise DomainError("person.name_mismatch", field=_field_label("name"))

    employment = Employment(
        person=person,
        enterprise=enterprise,
        post=data.post,
        employment_type=data.employment_type,
        operation_code=operation,
        job_title=data.job_title,
        start_date=data.start_date or local_today(),
        # another employer's person: pending until the person (or the authority, in person) confirms it
        confirmed_at=None if known_elsewhere else utcnow(),
    )
    db.session.add(employment)
    db.session.flush()
    record_event(
        person.id,
        "employment.started",
        _employment_payload(employment, source=source),
        actor=actor,
        enterprise_id=enterprise.id,
    )
    return employment


def update_employment(
    employment: Employment,
    *,
    actor,
    name: str,
    phone: str,
    education: str,
    post: Post,
    employment_type: EmploymentType,
    operation_code: str | None,
    job_title: str,
) -> Employment:
    """Edit a person's details and their job at this enterprise; the file records what changed."""
    operation = check_operation(post, operation_code)
    person = employment.person
    before = {
        "name": person.name,
        "phone": person.phone,
        "education": person.education,
        **_employment_payload(employment),
    }
    _write_master_data(
        person, {"name": name, "phone": phone, "education": education}, actor=actor, enterprise=employment.enterprise
    )
    employment.post, employment.employment_type = post, employment_type
    employment.operation_code, employment.job_title = operation, job_title
    after = {
        "name": person.name,
        "phone": person.phone,
        "education": person.education,
        **_employment_payload(employment),
    }
    changed = {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}
    if changed:
        db.session.flush()
        record_event(
            person.id, "employment.updated", {"changes": changed}, actor=actor, enterprise_id=employment.enterprise_id
        )
    return employment


def may_change_master_data(person: Person, *, actor, enterprise: Enterprise | None = None) -> bool:
    """Who may change a person's shared fields (name, phone, …): the system (CLI, tasks), an authority (platform
    admin, regulator: scope is the view's check), the person themself, or an employer that is the person's only
    current employer, once the person has confirmed that employment. Any other employer would be writing into
    someone else's staff file."""
    if actor is None:
        return True
    role = actor.role.value
    if role in ("admin", "regulator"):
        return True
    if role == "worker":
        return actor.person_id == person.id
    if enterprise is None or actor.enterprise_id not in (None, enterprise.id):
        return False
    current = {e.enterprise_id for e in person.current_employments}
    pending = any(e.is_pending for e in person.current_employments if e.enterprise_id == enterprise.id)
    return current == {enterprise.id} and not pending  # a pending employer writes nothing into the shared record


def change_person_details(person: Person, changes: dict, *, actor, enterprise: Enterprise | None = None) -> dict:
    """The one gate for a person's shared fields: check who may, write, and record ``person.updated``.

    :param changes: field → new value, for fields of :data:`MASTER_CHANGEABLE`.
    :return: field → [before, after] of what actually changed.
    :raises DomainError: ``person.shared_field`` naming the first field this actor may not change.
    """
    changed = _write_master_data(person, changes, actor=actor, enterprise=enterprise)
    if changed:
        db.session.flush()
        record_event(
            person.id,
            "person.updated",
            {"changes": changed},
            actor=actor,
            enterprise_id=enterprise.id
            if enterprise is not None and actor is not None and actor.role.value == "enterprise"
            else None,
        )
    return changed


#: Shared fields an edit form may change (the 证件 and what derives from it never change: a new 证件 is a new person).
MASTER_CHANGEABLE = ("name", "phone", "education")


def _write_master_data(person: Person, changes: dict, *, actor, enterprise: Enterprise | None) -> dict:
    unknown = set(changes) - set(MASTER_CHANGEABLE)
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    changed = {k: [getattr(person, k), v] for k, v in changes.items() if getattr(person, k) != v}
    if not changed:
        return {}
    if not may_change_master_data(person, actor=actor, enterprise=enterprise):
        key = next(iter(changed))
        raise DomainError("person.shared_field", field=_field_label(key), field_key=key)
    for key, (_before, after) in changed.items():
        setattr(person, key, after)
    permit_master_change(person)
    return changed


def _field_label(name: str) -> str:
    from flask_babel import gettext as _

    return {"name": _("姓名"), "phone": _("手机号"), "education": _("文化程度")}[name]


def names_match(a: str, b: str) -> bool:
    """Same name up to spaces and the forms of the 间隔号 (·) in minority and foreign names."""
    return _normalise_name(a) == _normalise_name(b)


def _normalise_name(name: str) -> str:
    return "".join(name.split()).replace("•", "·").replace("．", "·")


def end_employment(employment: Employment, *, actor, end_date: date, reason: str) -> Employment:
    """离职/调离: close the employment; the person and their file stay."""
    if employment.end_date is not None:
        raise DomainError("employment.already_ended")
    if end_date < employment.start_date:
        raise DomainError("employment.end_before_start", start=employment.start_date.isoformat())
    employment.end_date, employment.end_reason = end_date, reason
    db.session.flush()
    record_event(
        employment.person_id,
        "employment.ended",
        {"enterprise": employment.enterprise.name, "end_date": end_date.isoformat(), "reason": reason},
        actor=actor,
        enterprise_id=employment.enterprise_id,
    )
    return employment


def _employment_payload(employment: Employment, **extra) -> dict:
    return {
        "enterprise": employment.enterprise.name,
        "post": employment.post.value,
        "employment_type": employment.employment_type.value,
        "operation": employment.operation_code,
        "job_title": employment.job_title,
        "start_date": employment.start_date.isoformat(),
        **extra,
    }


def register_enterprise(
    *,
    name: str,
    uscc: str,
    industry: Industry,
    jurisdiction: Jurisdiction,
    address: str = "",
    contact_phone: str = "",
    affiliation: Affiliation = Affiliation.LOCAL,
) -> Enterprise:
    """Register a 生产经营单位 after checking its 统一社会信用代码 and that it is new.

    :raises DomainError: ``uscc.*`` for a bad code, ``enterprise.duplicate`` when already registered.
    """
    try:
        code = validate_uscc(uscc)
    except IdentifierError as exc:
        raise DomainError(exc.code, value=uscc) from None
    if db.session.scalars(sa.select(Enterprise).where(Enterprise.uscc == code)).first():
        raise DomainError("enterprise.duplicate", value=code)
    enterprise = Enterprise(
        name=name,
        uscc=code,
        industry=industry,
        jurisdiction=jurisdiction,
        region_code=jurisdiction.code,
        address=address,
        contact_phone=contact_phone,
        affiliation=affiliation,
    )
    db.session.add(enterprise)
    db.session.flush()
    return enterprise
