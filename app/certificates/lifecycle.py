"""A certificate's state, read and changed in one way, by the rule in force when each obligation falls due
(:mod:`app.certificates.obligations`).

Reading: :func:`effective_status` and :func:`next_obligation` recompute the calendar's part from the dates and the
rule book on every read. Changing: :func:`change` is the one way — a conditional ``UPDATE … WHERE id = :id AND status
IN (:sources) [AND the dates read]``, so two officers acting at once cannot both win and a stale page cannot undo a
newer decision (the loser gets ``cert.state_changed``), plus a ``CertificateEvent`` and an archive event in the same
transaction. What uses it: :mod:`~app.certificates.renewals` (复审, 延期复审, 换证, 延期换证),
:mod:`~app.certificates.decisions` (暂扣/发还/撤销/注销, 补发/换发, 违章, 暂扣建议) and
:mod:`~app.certificates.recompute` (the nightly calendar and rule changes). Services flush; views and tasks commit.
"""

from __future__ import annotations

from datetime import date

from app.archive.services import record_event
from app.auth.models import User
from app.auth.policy import certificates as cert_policy
from app.certificates import messages as _messages  # noqa: F401  (registers the certificate codes)
from app.certificates import obligations
from app.certificates.issuing.issuance import certificate_facts
from app.certificates.issuing.subjects import Subject, live_key
from app.certificates.models import (
    DECIDED,
    ENDED,
    HOLDS,
    LIVE,
    Certificate,
    CertificateEvent,
    CertStatus,
    EventKind,
)
from app.certificates.obligations import CertDates, Obligation
from app.core.clock import local_today
from app.core.db import conditional_update
from app.core.errors import DomainError
from app.extensions import db
from app.rules.book import RuleBook
from app.rules.queries import rule_book

#: Rules read here beyond the obligations' own.
KEYS = (
    *obligations.KEYS,
    "cert.review_years.special_operator.extended",
    "cert.validity_years.special_operator",
    "cert.validity_years.manager",
    "cert.fraud_ban_years",
    "cert.ten_year.max_gap_days",
)


def rules() -> RuleBook:
    """The rule versions the certificate lifecycle reads (one query)."""
    return rule_book(KEYS)


def effective_status(cert: Certificate, today: date | None = None, book: RuleBook | None = None) -> CertStatus:
    """The status on ``today``: a decision (暂扣/撤销/注销) as stored; the calendar's recomputed from the dates and
    the rules, so a page is right before the nightly job has run."""
    return obligations.status_on(CertDates.of(cert), book or rules(), today or local_today())


def next_obligation(cert: Certificate, today: date | None = None, book: RuleBook | None = None) -> Obligation | None:
    """What the holder must do next (复审, 延期复审, 换证, 延期换证) and by when; None once the certificate has ended."""
    if cert.status in DECIDED and cert.status is not CertStatus.SUSPENDED:
        return None
    return obligations.next_obligation(CertDates.of(cert), book or rules(), today or local_today())


def shows_review_date(cert: Certificate, book: RuleBook | None = None) -> bool:
    """Print the 应复审日期? Only where 30号令's 复审 applied (pages, PDF, exports ask this)."""
    return obligations.shows_review_date(CertDates.of(cert), book or rules())


# ---------------------------------------------------------------- the one way to change a certificate


def change(
    cert: Certificate,
    sources: tuple[CertStatus, ...],
    values: dict,
    *,
    guard: tuple = (),
    event: EventKind,
    archive_kind: str,
    actor: User | None,
    today: date,
    reason: str = "",
    doc_number: str = "",
    detail: dict | None = None,
    reprint: bool = False,
) -> CertificateEvent:
    """Apply ``values`` if the certificate is still in ``sources`` (and ``guard`` holds), then record it."""
    if reprint:
        values = {**values, "content_version": Certificate.content_version + 1}
    if values.get("status") in ENDED:
        values = {**values, "live_key": None}
    elif values.get("status") in LIVE and cert.live_key is None:  # back to life (a rule change undid an end)
        values = {**values, "live_key": live_key(cert.number, subject_of(cert))}
    moved = db.session.execute(
        conditional_update(Certificate)
        .where(Certificate.id == cert.id, Certificate.status.in_(sources), *guard)
        .values(**values)
    )
    if moved.rowcount != 1:
        raise DomainError("cert.state_changed")
    db.session.refresh(cert)
    detail = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in (detail or {}).items()}
    change = CertificateEvent(
        certificate_id=cert.id,
        kind=event,
        on_date=today,
        reason=reason,
        doc_number=doc_number,
        detail=detail,
        actor_id=actor.id if actor is not None else None,
    )
    db.session.add(change)
    payload = {
        **certificate_facts(cert),
        "status": cert.status.value,
        "reason": reason,
        "doc_number": doc_number,
        **detail,
    }
    record_event(cert.person_id, archive_kind, payload, actor=actor)
    db.session.flush()
    return change


def subject_of(cert: Certificate) -> Subject:
    return Subject(cert.kind, cert.category, cert.category_name, cert.item, cert.item_name)


def require_authority(actor: User, cert: Certificate) -> None:
    if not cert_policy.may_administer_certificate(actor, cert):
        raise DomainError("cert.not_authority", http_status=403)


def require_status(cert: Certificate, today: date, book: RuleBook, allowed: tuple[CertStatus, ...] = HOLDS) -> None:
    """The certificate's status *today* (not the stored one, which the nightly job may not have moved yet)."""
    status = effective_status(cert, today, book)
    if status not in allowed:
        raise DomainError("cert.not_live", status=status.label)


def not_future(day: date | None, today: date, field: str) -> date:
    if day is None:
        return today
    if day > today:
        raise DomainError("cert.future_date", http_status=400, field=field, date=day.isoformat())
    return day


def obligation_now(cert: Certificate, today: date, book: RuleBook) -> Obligation:
    obligation = next_obligation(cert, today, book)
    if obligation is None:
        raise DomainError("cert.not_live", status=effective_status(cert, today, book).label)
    return obligation


def status_with(cert: Certificate, today: date, book: RuleBook, **dates) -> CertStatus:
    """The dated status ``cert`` would have with ``dates`` changed (nothing is written)."""
    current = CertDates.of(cert)
    changed = CertDates(
        current.kind,
        current.region_code,
        dates.get("valid_from", current.valid_from),
        dates.get("valid_to", current.valid_to),
        dates.get("review_due_on", current.review_due_on),
        CertStatus.VALID,
    )
    return obligations.status_on(changed, book, today)
