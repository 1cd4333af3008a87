"""Issuing one certificate: validity from the rule table in force for the issuing region on the day of issue,
the number, the row and its 一人一档 event. Flushes; the view or task commits."""

from __future__ import annotations

import secrets
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.archive.services import record_event
from app.auth.models import User
from app.certificates.issuing.eligibility import (
    hours_gate_override,
    practical_basis,
    refusal_for,
    training_hours_shortfall,
)
from app.certificates.issuing.issuers import issuer_for
from app.certificates.issuing.numbering import masked_number, number_for
from app.certificates.issuing.subjects import Subject, holding, live_key
from app.certificates.issuing.terms import validity
from app.certificates.models import Certificate, CertificateBasis, CertificateEvent, CertKind, CertStatus, EventKind
from app.core.clock import local_today
from app.core.errors import DomainError
from app.exams.models import Attempt
from app.extensions import db
from app.people.models import Person


def issue(attempt: Attempt, *, actor: User, today: date | None = None) -> Certificate:
    """Issue the certificate ``attempt`` earned (flushes; the caller commits and renders the PDF).

    :raises DomainError: the refusal (``cert.not_passed``, ``cert.already_holds``, ``cert.no_photo``,
        ``cert.hours_short``, ``cert.no_training``, ``cert.not_issuer``, …).
    """
    today = today or local_today()
    subject, refusal = refusal_for(attempt, today)
    if refusal is not None:
        raise refusal
    person = attempt.person
    authority, region_code, enterprise_id, institution_id, org_code = issuer_for(
        actor, subject, attempt.sitting, person
    )
    detail = {"attempt": attempt.id, "sitting": attempt.sitting_id}
    if training_hours_shortfall(person, subject, on=today) is not None:  # admitted to the exam by a logged override
        detail["hours_gate_overridden"] = hours_gate_override(attempt)
    bases = {"attempt_id": attempt.id}
    if subject.kind is CertKind.SPECIAL_OPERATOR:
        shown = practical_basis(person, subject, today)
        bases["practical_attempt_id"] = shown.id
        detail.update(practical_attempt=shown.id, practical_score=shown.score)
    with db.session.begin_nested():  # all or nothing: a result used meanwhile leaves no certificate behind
        cert = _write(attempt, subject, actor, today, authority, region_code, enterprise_id, institution_id, org_code)
        issued = CertificateEvent(
            certificate_id=cert.id, kind=EventKind.ISSUED, on_date=today, actor_id=actor.id, detail=detail
        )
        db.session.add(issued)
        db.session.flush()
        use_basis(cert, issued, **bases)
        overridden = {k: v for k, v in detail.items() if k == "hours_gate_overridden"}
        record_event(
            person.id,
            "certificate.issued",
            {**certificate_facts(cert), "valid_from": cert.valid_from, "valid_to": cert.valid_to, **overridden},
            actor=actor,
        )
        db.session.flush()
    return cert


def _write(attempt, subject, actor, today, authority, region_code, enterprise_id, institution_id, org_code):
    """The certificate row with its number (a parallel issue for the same item loses on ``live_key``)."""
    person = attempt.person
    cert = Certificate(
        kind=subject.kind,
        number="",
        person_id=person.id,
        category=subject.category,
        category_name=subject.category_name,
        item=subject.item,
        item_name=subject.item_name,
        authority=authority,
        region_code=region_code,
        enterprise_id=enterprise_id,
        institution_id=institution_id,
        first_issued_on=_first_issued_on(person, subject) or today,
        status=CertStatus.VALID,
        verify_code=secrets.token_urlsafe(18),
        attempt_id=attempt.id,
        issued_by_id=actor.id,
        **validity(subject, region_code, today),
    )
    try:
        with db.session.begin_nested():
            db.session.add(cert)
            db.session.flush()
            cert.number = number_for(person, subject.kind, region_code, cert.id, today, org_code)
            cert.live_key = live_key(cert.number, subject)
            db.session.flush()
    except IntegrityError:  # a parallel issue for the same item won
        existing = holding(person, subject)
        raise DomainError("cert.already_holds", number=existing.number if existing else "") from None
    return cert


def use_basis(cert: Certificate, event: CertificateEvent, **ids) -> None:
    """Tie an exam result (``attempt_id=`` / ``practical_attempt_id=``) to the certificate event it was used for, once
    and for all: a second use — another certificate, a re-issue after 撤销, a parallel request — is refused by the
    unique index (in a savepoint, so the caller's transaction goes on)."""
    try:
        with db.session.begin_nested():
            db.session.add(CertificateBasis(certificate_id=cert.id, event_id=event.id, **ids))
            db.session.flush()
    except IntegrityError:
        raise DomainError("cert.basis_used") from None


def _first_issued_on(person: Person, subject: Subject) -> date | None:
    """初领日期 is kept from an earlier certificate for the same item (re-issued after it ended)."""
    return db.session.scalar(
        sa.select(sa.func.min(Certificate.first_issued_on)).where(
            Certificate.person_id == person.id,
            Certificate.kind == subject.kind,
            Certificate.category == subject.category,
            Certificate.item == subject.item,
        )
    )


def certificate_facts(cert: Certificate) -> dict:
    """The archive payload's common part (no ID number: the number of a 特种作业操作证 contains it)."""
    return {
        "certificate": cert.id,
        "cert_kind": cert.kind.value,
        "number": masked_number(cert.number),
        "category": cert.category_name,
        "item": cert.item_name,
        "authority": cert.authority,
    }
