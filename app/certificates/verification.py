"""Public verification (no login), as the national query page does it: by the QR's code, by 证号 + 姓名, or by
证件号码 + 姓名. What it shows is the public record only — status, validity, 复审 dates where 30号令's 复审 applied,
the next obligation (换证 …), authority — with the name, ID and number masked. Anything that does not match exactly (an unknown or altered code, a name that does not
belong to the number) is the same plain "not found": the page never confirms that a number or a person exists.

Every lookup counts against the client's address first (``app.core.limits``), found or not, so the page cannot be
used to enumerate numbers or ID numbers.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from app.certificates import messages as _messages  # noqa: F401  (registers the certificate codes)
from app.certificates.issuing.numbering import masked_number
from app.certificates.lifecycle import effective_status, next_obligation, rules, shows_review_date
from app.certificates.models import CLASSIFIER_LABELS, Certificate, EventKind
from app.core import crypto, limits
from app.core.clock import local_today
from app.core.errors import DomainError
from app.extensions import db
from app.people.models import IdType, Person

#: Events whose date is the 实际复审日期.
REVIEWS = (EventKind.REVIEWED, EventKind.REVIEW_EXTENDED, EventKind.EXTENDED)


def count_lookup(ip: str) -> None:
    """Count one lookup for ``ip``.

    :raises DomainError: ``cert.verify_limited`` (429) once the address has used up its lookups for the window.
    """
    verdict = limits.hit(
        f"certverify:{ip or '-'}",
        current_app.config["CERT_VERIFY_LIMIT"],
        timedelta(minutes=current_app.config["CERT_VERIFY_WINDOW_MINUTES"]),
    )
    if not verdict.allowed:
        raise DomainError("cert.verify_limited", http_status=429)


def by_code(code: str) -> list[Certificate]:
    if not code or len(code) > 40:
        return []
    return list(db.session.scalars(sa.select(Certificate).where(Certificate.verify_code == code)))


def _named(query: sa.Select, name: str) -> list[Certificate]:
    name = (name or "").strip()
    if not name:
        return []
    query = query.join(Person, Person.id == Certificate.person_id).where(Person.name == name)
    return list(db.session.scalars(query.order_by(Certificate.kind, Certificate.item, Certificate.id)))


def by_number(number: str, name: str) -> list[Certificate]:
    number = (number or "").strip().upper()
    if not number:
        return []
    return _named(sa.select(Certificate).where(Certificate.number == number), name)


def by_id_number(id_number: str, name: str) -> list[Certificate]:
    id_number = (id_number or "").strip().upper()
    if not id_number:
        return []
    digests = [d for kind in IdType for d in crypto.blind_indexes(kind.value, id_number)]
    persons = sa.select(Person.id).where(Person.id_hash.in_(digests))
    return _named(sa.select(Certificate).where(Certificate.person_id.in_(persons)), name)


def mask_name(name: str) -> str:
    """王大锤 → 王*锤, 李四 → 李*, 欧阳娜娜 → 欧**娜."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _d(value: date | None) -> str:
    return value.isoformat() if value else ""


def public_record(cert: Certificate, today: date | None = None) -> dict:
    """What the public page shows of one certificate: strings only, personal data masked."""
    today = today or local_today()
    person = cert.person
    reviewed = [e.on_date for e in cert.events if e.kind in REVIEWS]
    book = rules()
    status = effective_status(cert, today, book)
    upcoming = next_obligation(cert, today, book)
    with force_locale("zh_CN"):
        labels = CLASSIFIER_LABELS[cert.kind]
    facts = cert.facts or {}
    if cert.training_class_id is not None:  # a class's 培训合格证明: 培训类型 and course, the hours and dates
        labels = ("培训类型", "培训课程")
    return {
        "kind": cert.kind.label,
        "status": status.label,
        "status_value": status.value,
        "status_tone": status.tone,
        "number": masked_number(cert.number),
        "name": mask_name(person.name),
        "sex": person.sex,
        "id_masked": person.id_masked,
        "category_label": labels[0],
        "category": cert.category_name,
        "item_label": labels[1],
        "item": cert.item_name,
        "first_issued": _d(cert.first_issued_on),
        "valid_from": _d(cert.valid_from),
        "valid_to": _d(cert.valid_to),
        "review_due": _d(cert.review_due_on) if shows_review_date(cert, book) else "",
        "next_duty": upcoming.duty.label if upcoming else "",
        "next_due": _d(upcoming.due_on) if upcoming else "",
        "reviewed_on": _d(max(reviewed)) if reviewed else "",
        "authority": cert.authority,
        "hours": facts.get("hours", ""),
        "training_dates": f"{facts['starts_on']} – {facts['ends_on']}" if facts.get("starts_on") else "",
    }
