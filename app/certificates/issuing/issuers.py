"""Who issues: the 考核发证机关 of a subject, and whether an actor may issue for a sitting."""

from __future__ import annotations

from typing import NamedTuple

from app.auth.models import User
from app.auth.policy import certificates as cert_policy
from app.certificates import authorities
from app.certificates.issuing.outcomes import Outcome
from app.certificates.issuing.subjects import Subject, employer_of, subject_for
from app.certificates.models import CertKind
from app.core.errors import DomainError
from app.exams.models import Sitting
from app.extensions import db
from app.people.models import Person
from app.tenancy.models import Enterprise, TrainingInstitution


class Issuer(NamedTuple):
    """Who issues a certificate: the 发证机关 as printed, its region code, the issuing enterprise or institution (if
    any) and its code in numbers."""

    authority: str
    region_code: str
    enterprise_id: int | None
    institution_id: int | None
    org_code: str


def organiser_issuer(enterprise_id: int | None, institution_id: int | None) -> Issuer:
    """The training institution (if any) or else the enterprise that organised a class or exam, as the issuer of its
    培训合格证明 (its 统一社会信用代码 in numbers)."""
    if institution_id is not None:
        institution = db.session.get(TrainingInstitution, institution_id)
        return Issuer(institution.name, institution.region_code, None, institution.id, institution.uscc)
    enterprise = db.session.get(Enterprise, enterprise_id)
    return Issuer(enterprise.name, enterprise.region_code, enterprise.id, None, enterprise.uscc)


def issuing_authorities(subject: Subject, sitting: Sitting, person: Person) -> tuple[str, ...]:
    """The 考核发证机关 for ``subject`` of an exam ``sitting`` (``app.certificates.authorities``)."""
    affiliation = None
    if subject.kind is CertKind.MANAGER:
        employer = employer_of(person.id, sitting.enterprise_id)
        affiliation = employer.affiliation if employer else None
    return authorities.authorities_for(subject.kind, sitting.region_code, affiliation)


def may_issue_for(actor: User, sitting: Sitting, outcomes: list[Outcome]) -> bool:
    """Whether ``actor`` issues the certificates of ``sitting`` (for at least one of its candidates' subjects)."""
    for outcome in outcomes:
        try:
            subject = subject_for(outcome.attempt)
        except DomainError:
            continue
        if cert_policy.may_issue_certificate(
            actor,
            subject.kind.value,
            region_code=sitting.region_code,
            enterprise_id=sitting.enterprise_id,
            institution_id=sitting.institution_id,
            authorities=issuing_authorities(subject, sitting, outcome.attempt.person),
        ):
            return True
    return False


def issuer_for(actor: User, subject: Subject, sitting: Sitting, person: Person) -> Issuer:
    """Who issues ``subject`` for an exam ``sitting``: its organiser for a 培训合格证明, else the actor's
    jurisdiction — refusing an actor who may not issue.

    :raises DomainError: ``cert.not_issuer``.
    """
    allowed = cert_policy.may_issue_certificate(
        actor,
        subject.kind.value,
        region_code=sitting.region_code,
        enterprise_id=sitting.enterprise_id,
        institution_id=sitting.institution_id,
        authorities=issuing_authorities(subject, sitting, person),
    )
    if not allowed:
        raise DomainError("cert.not_issuer", http_status=403, kind=subject.kind.label)
    if subject.kind is CertKind.TRAINING:
        return organiser_issuer(sitting.enterprise_id, sitting.institution_id)
    jurisdiction = actor.jurisdiction
    return Issuer(jurisdiction.authority, jurisdiction.code, sitting.enterprise_id, None, jurisdiction.code)
