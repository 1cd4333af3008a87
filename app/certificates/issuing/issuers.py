"""Who issues: the 考核发证机关 of a subject, and whether an actor may issue for a sitting."""

from __future__ import annotations

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


def issuer_for(
    actor: User, subject: Subject, sitting: Sitting, person: Person
) -> tuple[str, str, int | None, int | None, str]:
    """(发证机关 as printed, its region code, enterprise id, institution id, its code for numbers) — refusing an
    actor who may not issue.

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
        if sitting.institution_id is not None:
            institution = db.session.get(TrainingInstitution, sitting.institution_id)
            return institution.name, institution.region_code, None, institution.id, institution.uscc
        enterprise = db.session.get(Enterprise, sitting.enterprise_id)
        return enterprise.name, enterprise.region_code, enterprise.id, None, enterprise.uscc
    jurisdiction = actor.jurisdiction
    return jurisdiction.authority, jurisdiction.code, sitting.enterprise_id, None, jurisdiction.code
