"""What a certificate is for (its kind and printed classifiers), worked out from the exam that earned it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import force_locale

from app.certificates.models import LIVE, Certificate, CertKind
from app.core.errors import DomainError
from app.exams.models import Attempt, ExamKind, Sitting
from app.extensions import db
from app.people.models import Employment, Person, Post
from app.rules.queries import operation_name
from app.tenancy.models import Enterprise, Industry


@dataclass(frozen=True)
class Subject:
    """What a certificate is for: its kind and the two printed classifiers (codes and names)."""

    kind: CertKind
    category: str
    category_name: str
    item: str
    item_name: str


def exam_kind_of(sitting: Sitting) -> ExamKind:
    """A 补考 counts as the exam it makes up for."""
    seen = set()
    while sitting.kind is ExamKind.MAKEUP and sitting.makeup_of is not None and sitting.id not in seen:
        seen.add(sitting.id)
        sitting = sitting.makeup_of
    return sitting.kind


def zh_label(label) -> str:
    """A label as printed on the card (Chinese, whatever the issuing user's language)."""
    with force_locale("zh_CN"):
        return str(label)


def employer_of(person_id: int, enterprise_id: int | None) -> Enterprise | None:
    query = (
        sa.select(Enterprise)
        .join(Employment, Employment.enterprise_id == Enterprise.id)
        .where(Employment.person_id == person_id, Employment.end_date.is_(None))
        .order_by(Employment.start_date.desc())
    )
    if enterprise_id is not None:
        own = db.session.scalars(query.where(Enterprise.id == enterprise_id)).first()
        if own is not None:
            return own
    return db.session.scalars(query).first()


def subject_for(attempt: Attempt) -> Subject:
    """The certificate a passed attempt leads to.

    :raises DomainError: ``cert.not_qualification`` (a 复审考试, 逢查必考…), ``cert.no_item``, ``cert.no_employer``.
    """
    sitting = attempt.sitting
    kind = exam_kind_of(sitting)
    if kind is ExamKind.TRAINING:
        post = Post(sitting.post).label if sitting.post in Post._value2member_map_ else ""
        return Subject(CertKind.TRAINING, sitting.post, zh_label(post), f"sitting:{sitting.id}", sitting.title)
    if kind is not ExamKind.QUALIFICATION:
        raise DomainError("cert.not_qualification")
    if sitting.operation_code:
        category = sitting.operation_code.split(".")[0]
        return Subject(
            CertKind.SPECIAL_OPERATOR,
            category,
            operation_name(category),
            sitting.operation_code,
            operation_name(sitting.operation_code),
        )
    if sitting.post in (Post.PRINCIPAL, Post.SAFETY_MANAGER):
        employer = employer_of(attempt.person_id, sitting.enterprise_id)
        if employer is None:
            raise DomainError("cert.no_employer")
        post = Post(sitting.post)
        industry = Industry(employer.industry)
        return Subject(CertKind.MANAGER, post.value, zh_label(post.label), industry.value, zh_label(industry.label))
    raise DomainError("cert.no_item")


def live_key(number: str, subject: Subject) -> str:
    return f"{subject.kind.value}|{number}|{subject.category}|{subject.item}"


def holding(person: Person, subject: Subject) -> Certificate | None:
    """The live certificate ``person`` already holds for the subject, if any."""
    return db.session.scalars(
        sa.select(Certificate).where(
            Certificate.person_id == person.id,
            Certificate.kind == subject.kind,
            Certificate.category == subject.category,
            Certificate.item == subject.item,
            Certificate.status.in_(LIVE),
        )
    ).first()
