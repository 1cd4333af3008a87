"""Issuing one certificate: validity from the rule table in force for the issuing region on the day of issue,
the number, the row and its 一人一档 event. :func:`write_certificate` is the one place a certificate is made (by an
exam result here, by a completed class in ``app.certificates.class_certificates``). Flushes; the view or task
commits."""

from __future__ import annotations

import secrets
from collections.abc import Callable
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
from app.certificates.issuing.issuers import Issuer, issuer_for
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
    issuer = issuer_for(actor, subject, attempt.sitting, person)
    detail = {"attempt": attempt.id, "sitting": attempt.sitting_id}
    archived = {}
    if training_hours_shortfall(person, subject, on=today) is not None:  # admitted to the exam by a logged override
        detail["hours_gate_overridden"] = archived["hours_gate_overridden"] = hours_gate_override(attempt)
    bases = {"attempt_id": attempt.id}
    if subject.kind is CertKind.SPECIAL_OPERATOR:
        shown = practical_basis(person, subject, today)
        bases["practical_attempt_id"] = shown.id
        detail.update(practical_attempt=shown.id, practical_score=shown.score)

    def taken() -> DomainError:
        existing = holding(person, subject)
        return DomainError("cert.already_holds", number=existing.number if existing else "")

    return write_certificate(
        person,
        subject,
        issuer,
        actor=actor,
        today=today,
        attempt_id=attempt.id,
        detail=detail,
        archived=archived,
        bases=bases,
        taken=taken,
    )


def write_certificate(
    person: Person,
    subject: Subject,
    issuer: Issuer,
    *,
    actor: User,
    today: date,
    detail: dict,
    taken: Callable[[], DomainError],
    attempt_id: int | None = None,
    training_class_id: int | None = None,
    facts: dict | None = None,
    bases: dict | None = None,
    archived: dict | None = None,
    concerns_enterprise: bool = False,
) -> Certificate:
    """Make a certificate that passed its checks: the one place a certificate row is written.

    Sets 初领日期 (kept from an earlier certificate for the same item), the validity and 复审 by the rule table in
    force for the issuer's region on ``today``, status 有效, a verify code and the number of the issuer's series; writes
    the 发证 event (``detail``), ties the exam results it used (``bases``, :func:`use_basis`) and appends
    ``certificate.issued`` to the 一人一档 (``archived``: facts beyond the common ones; ``concerns_enterprise``: the
    event is the issuing enterprise's own, unseen by other employers). All or nothing, in a savepoint.

    :param taken: the refusal when a parallel issue of the same certificate won (its unique keys).
    :raises DomainError: ``taken()``, ``cert.basis_used``.
    """
    with db.session.begin_nested():  # all or nothing: a result used meanwhile leaves no certificate behind
        cert = Certificate(
            kind=subject.kind,
            number="",
            person_id=person.id,
            category=subject.category,
            category_name=subject.category_name,
            item=subject.item,
            item_name=subject.item_name,
            authority=issuer.authority,
            region_code=issuer.region_code,
            enterprise_id=issuer.enterprise_id,
            institution_id=issuer.institution_id,
            first_issued_on=_first_issued_on(person, subject) or today,
            status=CertStatus.VALID,
            verify_code=secrets.token_urlsafe(18),
            attempt_id=attempt_id,
            issued_by_id=actor.id,
            training_class_id=training_class_id,
            facts=facts or {},
            **validity(subject, issuer.region_code, today),
        )
        try:
            with db.session.begin_nested():
                db.session.add(cert)
                db.session.flush()
                cert.number = number_for(person, subject.kind, issuer.region_code, cert.id, today, issuer.org_code)
                cert.live_key = live_key(cert.number, subject)
                db.session.flush()
        except IntegrityError:  # a parallel issue of the same certificate won
            raise taken() from None
        issued = CertificateEvent(
            certificate_id=cert.id, kind=EventKind.ISSUED, on_date=today, actor_id=actor.id, detail=detail
        )
        db.session.add(issued)
        db.session.flush()
        if bases:
            use_basis(cert, issued, **bases)
        record_event(
            person.id,
            "certificate.issued",
            {**certificate_facts(cert), "valid_from": cert.valid_from, "valid_to": cert.valid_to, **(archived or {})},
            actor=actor,
            enterprise_id=issuer.enterprise_id if concerns_enterprise else None,
        )
        db.session.flush()
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
