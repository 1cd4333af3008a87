"""Regulators' decisions on a certificate: 暂扣/发还, 撤销 (with its ground — fraud bars a new application for
``cert.fraud_ban_years``), 注销, 补发/换发; and notes that change nothing in it: a recorded 违章, a district's
暂扣建议 for the authority to decide. Each is :func:`app.certificates.lifecycle.change` or an event, with a reason
and a 文号.
"""

from __future__ import annotations

from datetime import date

from app.archive.services import record_event
from app.auth.models import User
from app.auth.policy import certificates as cert_policy
from app.certificates import obligations
from app.certificates.issuing.issuance import certificate_facts
from app.certificates.lifecycle import (
    change,
    not_future,
    require_authority,
    require_status,
    rules,
)
from app.certificates.models import (
    DATED,
    LIVE,
    Certificate,
    CertificateEvent,
    CertStatus,
    EventKind,
    RevocationGround,
)
from app.certificates.obligations import CertDates
from app.core.clock import local_today
from app.core.errors import DomainError
from app.extensions import db

# ---------------------------------------------------------------- regulators' decisions


def _decision(reason: str, doc_number: str) -> tuple[str, str]:
    reason, doc_number = (reason or "").strip(), (doc_number or "").strip()
    if not reason:
        raise DomainError("cert.reason_required", http_status=400)
    if not doc_number:
        raise DomainError("cert.doc_required", http_status=400)
    return reason, doc_number


def _decide(
    cert, sources, status, event: EventKind, *, check, actor: User, reason: str, doc_number: str, today, values=None
):
    """A regulator's decision: its authority, a reason and a 文号, the decision's own ``check`` of the certificate,
    then one guarded move from ``sources`` to ``status`` (a status, or a function of the day)."""
    today = today or local_today()
    require_authority(actor, cert)
    reason, doc_number = _decision(reason, doc_number)
    check(today)
    change(
        cert,
        sources,
        {"status": status(today) if callable(status) else status, **(values or {})},
        event=event,
        archive_kind=f"certificate.{event.value}",
        actor=actor,
        today=today,
        reason=reason,
        doc_number=doc_number,
        detail={k: v.value if hasattr(v, "value") else v for k, v in (values or {}).items()},
    )
    return cert


def suspend(cert, *, actor: User, reason: str, doc_number: str, today: date | None = None) -> Certificate:
    """暂扣 (e.g. after a failed 逢查必考 or a violation): the holder may not work with it until 发还."""
    return _decide(
        cert,
        DATED,
        CertStatus.SUSPENDED,
        EventKind.SUSPENDED,
        check=lambda day: require_status(cert, day, rules()),
        actor=actor,
        reason=reason,
        doc_number=doc_number,
        today=today,
    )


def reinstate(cert, *, actor: User, reason: str, doc_number: str, today: date | None = None) -> Certificate:
    """发还 a suspended certificate: back to what the calendar says."""

    def check(day):
        if cert.status is not CertStatus.SUSPENDED:
            raise DomainError("cert.not_suspended")

    def calendar(day):
        dates = CertDates.of(cert)
        return obligations.status_on(
            CertDates(dates.kind, dates.region_code, dates.valid_from, dates.valid_to, dates.review_due_on),
            rules(),
            day,
        )

    return _decide(
        cert,
        (CertStatus.SUSPENDED,),
        calendar,
        EventKind.REINSTATED,
        check=check,
        actor=actor,
        reason=reason,
        doc_number=doc_number,
        today=today,
    )


def revoke(
    cert,
    *,
    actor: User,
    reason: str,
    doc_number: str,
    ground: RevocationGround = RevocationGround.OTHER,
    today: date | None = None,
) -> Certificate:
    """撤销 (30号令 第三十条) on a ``ground``; fraud or false records bar a new application for the same item for
    ``cert.fraud_ban_years`` (:func:`app.certificates.issuing.eligibility.fraud_ban_until`)."""
    today = today or local_today()
    return _decide(
        cert,
        LIVE + DATED,
        CertStatus.REVOKED,
        EventKind.REVOKED,
        check=lambda day: require_status(cert, day, rules(), allowed=LIVE),
        actor=actor,
        reason=reason,
        doc_number=doc_number,
        today=today,
        values={"revocation_ground": RevocationGround(ground), "revoked_on": today},
    )


def cancel(cert, *, actor: User, reason: str, doc_number: str, today: date | None = None) -> Certificate:
    """注销 (30号令 第三十一条: death, the holder's request, or after 撤销)."""
    sources = (*DATED, CertStatus.SUSPENDED, CertStatus.REVOKED)
    return _decide(
        cert,
        sources,
        CertStatus.CANCELLED,
        EventKind.CANCELLED,
        check=lambda day: None,
        actor=actor,
        reason=reason,
        doc_number=doc_number,
        today=today,
    )


def reissue(cert, *, actor: User, replace: bool, reason: str, today: date | None = None) -> Certificate:
    """补发 (lost) or 换发 (damaged, the old card returned): the same number and dates, a new card noting it."""
    today = today or local_today()
    require_authority(actor, cert)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("cert.reason_required", http_status=400)
    require_status(cert, today, rules())
    change(
        cert,
        DATED,
        {},
        event=EventKind.REPLACED if replace else EventKind.REISSUED,
        archive_kind="certificate.replaced" if replace else "certificate.reissued",
        actor=actor,
        today=today,
        reason=reason,
        reprint=True,
    )
    return cert


def _note(cert: Certificate, kind: EventKind, *, actor: User, reason: str, doc_number: str, on: date) -> dict:
    """An event on the certificate that changes nothing in it (a 违章 record, a 暂扣 proposal); returns the archive
    payload for the caller's ``record_event``."""
    reason, doc_number = _decision(reason, doc_number)
    db.session.add(
        CertificateEvent(
            certificate_id=cert.id, kind=kind, on_date=on, reason=reason, doc_number=doc_number, actor_id=actor.id
        )
    )
    return {**certificate_facts(cert), "reason": reason, "doc_number": doc_number, "on": on}


def record_violation(
    cert, *, actor: User, reason: str, doc_number: str, on: date | None = None, today: date | None = None
) -> Certificate:
    """A 违章 recorded against the holder (30号令 第二十五条 counts them; the 10-year rule needs none): by a regulator
    who reaches the certificate, on the day it happened (not in the future)."""
    today = today or local_today()
    if not cert_policy.may_note_certificate(actor, cert):
        raise DomainError("cert.not_authority", http_status=403)
    payload = _note(
        cert, EventKind.VIOLATION, actor=actor, reason=reason, doc_number=doc_number, on=not_future(on, today, "on")
    )
    record_event(cert.person_id, "certificate.violation", payload, actor=actor)
    db.session.flush()
    return cert


def propose_suspension(cert, *, actor: User, reason: str, doc_number: str, today: date | None = None) -> Certificate:
    """A 暂扣建议 by a regulator who reaches the certificate but is not its authority (a district after an
    inspection): written on the certificate for the authority to decide."""
    today = today or local_today()
    if not cert_policy.may_note_certificate(actor, cert):
        raise DomainError("cert.not_authority", http_status=403)
    require_status(cert, today, rules())
    payload = _note(cert, EventKind.SUSPENSION_PROPOSED, actor=actor, reason=reason, doc_number=doc_number, on=today)
    record_event(cert.person_id, "certificate.suspension_proposed", payload, actor=actor)
    db.session.flush()
    return cert
