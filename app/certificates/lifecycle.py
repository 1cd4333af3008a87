"""A certificate's life after issue: 复审 (with a passed 复审考试, or the 10-year extension without one), 延期复审,
the calendar (待复审 → 逾期未复审 → 失效), 暂扣/发还, 撤销, 注销 and 补发/换发.

Every change is one conditional ``UPDATE … WHERE id = :id AND status IN (:sources) [AND the dates read]``: two
officers acting at once cannot both win, and a stale page cannot undo a newer decision (the loser gets
``cert.state_changed``). Each change adds a ``CertificateEvent`` and an archive event in the same transaction.
Services flush; views and tasks commit.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app.archive.services import record_event
from app.auth import policy
from app.auth.models import User
from app.certificates import messages as _messages  # noqa: F401  (registers the certificate codes)
from app.certificates.issuing import (
    Subject,
    add_years,
    certificate_facts,
    exam_kind_of,
    hours_gate_override,
    training_hours_shortfall,
)
from app.certificates.models import (
    DATED,
    LIVE,
    Certificate,
    CertificateEvent,
    CertKind,
    CertStatus,
    EventKind,
)
from app.core.clock import local_today
from app.core.db import conditional_update
from app.core.errors import DomainError
from app.exams.models import Attempt, AttemptState, ExamKind
from app.extensions import db
from app.rules.queries import rule_value

#: Statuses that end a certificate: its item is free for a new one (``live_key`` cleared).
ENDED = (CertStatus.EXPIRED, CertStatus.REVOKED, CertStatus.CANCELLED)


def window_days(cert: Certificate, today: date) -> int:
    return int(rule_value("cert.review_window_days", region_code=cert.region_code, on=today))


def dated_status(cert: Certificate, today: date) -> CertStatus:
    """The calendar's verdict on a live, not suspended certificate: 有效, 待复审 (inside the window before 应复审日期),
    逾期未复审 (past it) or 失效 (past its validity)."""
    if today > cert.valid_to:
        return CertStatus.EXPIRED
    if cert.review_due_on is not None and cert.review_due_on < cert.valid_to:
        if today > cert.review_due_on:
            return CertStatus.REVIEW_OVERDUE
        if today >= cert.review_due_on - timedelta(days=window_days(cert, today)):
            return CertStatus.REVIEW_DUE
    elif cert.review_due_on is not None and today >= cert.valid_to - timedelta(days=window_days(cert, today)):
        return CertStatus.REVIEW_DUE  # 应复审日期 = end of validity: 延期复审 is due
    return CertStatus.VALID


def effective_status(cert: Certificate, today: date | None = None) -> CertStatus:
    """The status as of ``today``: a decision (暂扣/撤销/注销) as stored; a dated one recomputed, so a page is right
    even before the nightly job has run."""
    if cert.status not in DATED:
        return cert.status
    return dated_status(cert, today or local_today())


# ---------------------------------------------------------------- the one way to change a certificate


def _change(
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
) -> Certificate:
    """Apply ``values`` if the certificate is still in ``sources`` (and ``guard`` holds), then record it."""
    if reprint:
        values = {**values, "content_version": Certificate.content_version + 1}
    if values.get("status") in ENDED:
        values = {**values, "live_key": None}
    moved = db.session.execute(
        conditional_update(Certificate)
        .where(Certificate.id == cert.id, Certificate.status.in_(sources), *guard)
        .values(**values)
    )
    if moved.rowcount != 1:
        raise DomainError("cert.state_changed")
    db.session.refresh(cert)
    detail = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in (detail or {}).items()}
    db.session.add(
        CertificateEvent(
            certificate_id=cert.id,
            kind=event,
            on_date=today,
            reason=reason,
            doc_number=doc_number,
            detail=detail,
            actor_id=actor.id if actor is not None else None,
        )
    )
    payload = {
        **certificate_facts(cert),
        "status": cert.status.value,
        "reason": reason,
        "doc_number": doc_number,
        **detail,
    }
    record_event(cert.person_id, archive_kind, payload, actor=actor)
    db.session.flush()
    return cert


def _require_authority(actor: User, cert: Certificate) -> None:
    if not policy.may_administer_certificate(actor, cert):
        raise DomainError("cert.not_authority", http_status=403)


def _require_live(cert: Certificate, allowed: tuple[CertStatus, ...] = DATED) -> None:
    if cert.status not in allowed:
        raise DomainError("cert.not_live", status=cert.status.label)


def _require_review_exam(cert: Certificate, attempt: Attempt | None, today: date) -> None:
    """A passed 复审考试 of the holder, and ≥ 8 学时 复审培训 in the year before (30号令 第二十三条) unless the organiser
    admitted them to that exam with a logged override of the same hours gate."""
    if (
        attempt is None
        or attempt.person_id != cert.person_id
        or attempt.state is not AttemptState.GRADED
        or not attempt.passed
        or exam_kind_of(attempt.sitting) is not ExamKind.REVIEW
    ):
        raise DomainError("cert.review_no_exam")
    subject = Subject(cert.kind, cert.category, cert.category_name, cert.item, cert.item_name)
    short = training_hours_shortfall(cert.person, subject, on=today, review=True)
    if short is not None and hours_gate_override(attempt) is None:
        raise short.refusal()


# ---------------------------------------------------------------- 复审 and 延期复审


def review(
    cert: Certificate,
    *,
    actor: User,
    attempt: Attempt | None = None,
    ten_year: bool = False,
    doc_number: str = "",
    today: date | None = None,
) -> Certificate:
    """复审 within the window before 应复审日期 (30号令 第二十一、二十二条).

    With a passed 复审考试 (``attempt``), or — ``ten_year`` — under the 10-year rule (≥ 10 consecutive years in the job,
    no violations): no exam, and the interval becomes ``cert.review_years.special_operator.extended`` (6 years).
    The next 应复审日期 is the old one plus the interval, never past the validity (then 延期复审 is due).
    """
    today = today or local_today()
    _require_authority(actor, cert)
    if cert.kind is not CertKind.SPECIAL_OPERATOR or cert.review_due_on is None:
        raise DomainError("cert.no_review")
    _require_live(cert)
    due, days = cert.review_due_on, window_days(cert, today)
    if due >= cert.valid_to or not (due - timedelta(days=days) <= today <= due):
        raise DomainError("cert.review_window", due=due.isoformat(), days=days)
    if ten_year:
        extended = int(rule_value("cert.review_years.special_operator.extended", region_code=cert.region_code))
        if cert.review_years == extended:
            raise DomainError("cert.ten_year_used")
        years = extended
    else:
        _require_review_exam(cert, attempt, today)
        years = cert.review_years or 3
    next_due = min(add_years(due, years), cert.valid_to)
    values = {"review_due_on": next_due, "review_years": years}
    values["status"] = _status_with(cert, today, review_due_on=next_due)
    return _change(
        cert,
        DATED,
        values,
        guard=(Certificate.review_due_on == due,),
        event=EventKind.REVIEW_EXTENDED if ten_year else EventKind.REVIEWED,
        archive_kind="certificate.reviewed",
        actor=actor,
        today=today,
        doc_number=doc_number,
        detail={"due_was": due, "next_due": next_due, "ten_year": ten_year, "attempt": attempt.id if attempt else None},
        reprint=True,
    )


def extend(
    cert: Certificate,
    *,
    actor: User,
    attempt: Attempt | None,
    ten_year: bool = False,
    doc_number: str = "",
    today: date | None = None,
) -> Certificate:
    """延期复审 within the window before the validity ends (30号令 第二十二、二十四条): with a passed 复审考试, a new
    validity period from the old end, the same number and 初领日期. ``ten_year`` sets the new period's interval to
    the extended one (one 复审 at its end instead of every 3 years)."""
    today = today or local_today()
    _require_authority(actor, cert)
    if cert.kind is not CertKind.SPECIAL_OPERATOR:
        raise DomainError("cert.no_review")
    _require_live(cert)
    end, days = cert.valid_to, window_days(cert, today)
    if not (end - timedelta(days=days) <= today <= end):
        raise DomainError("cert.extend_window", due=end.isoformat(), days=days)
    _require_review_exam(cert, attempt, today)
    region = cert.region_code
    validity = int(rule_value("cert.validity_years.special_operator", region_code=region, on=today))
    key = "cert.review_years.special_operator" + (".extended" if ten_year else "")
    years = int(rule_value(key, region_code=region, on=today))
    new_to = add_years(end, validity)
    next_due = min(add_years(end, years), new_to)
    values = {"valid_from": end, "valid_to": new_to, "review_due_on": next_due, "review_years": years}
    values["status"] = _status_with(cert, today, valid_to=new_to, review_due_on=next_due)
    return _change(
        cert,
        DATED,
        values,
        guard=(Certificate.valid_to == end,),
        event=EventKind.EXTENDED,
        archive_kind="certificate.extended",
        actor=actor,
        today=today,
        doc_number=doc_number,
        detail={"valid_to_was": end, "valid_to": new_to, "next_due": next_due, "attempt": attempt.id},
        reprint=True,
    )


def _status_with(cert: Certificate, today: date, **dates) -> CertStatus:
    """The dated status ``cert`` would have with ``dates`` changed (nothing is written)."""

    class _View:
        pass

    view = _View()
    for name in ("valid_to", "review_due_on", "region_code"):
        setattr(view, name, dates.get(name, getattr(cert, name)))
    return dated_status(view, today)


# ---------------------------------------------------------------- regulators' decisions


def _decision(reason: str, doc_number: str) -> tuple[str, str]:
    reason, doc_number = (reason or "").strip(), (doc_number or "").strip()
    if not reason:
        raise DomainError("cert.reason_required", http_status=400)
    if not doc_number:
        raise DomainError("cert.doc_required", http_status=400)
    return reason, doc_number


def _decide(cert, sources, status, event: EventKind, *, check, actor: User, reason: str, doc_number: str, today):
    """A regulator's decision: its authority, a reason and a 文号, the decision's own ``check`` of the certificate,
    then one guarded move from ``sources`` to ``status`` (a status, or a function of the day)."""
    today = today or local_today()
    _require_authority(actor, cert)
    reason, doc_number = _decision(reason, doc_number)
    check()
    return _change(
        cert,
        sources,
        {"status": status(today) if callable(status) else status},
        event=event,
        archive_kind=f"certificate.{event.value}",
        actor=actor,
        today=today,
        reason=reason,
        doc_number=doc_number,
    )


def suspend(cert, *, actor: User, reason: str, doc_number: str, today: date | None = None) -> Certificate:
    """暂扣 (e.g. after a failed 逢查必考 or a violation): the holder may not work with it until 发还."""
    return _decide(
        cert,
        DATED,
        CertStatus.SUSPENDED,
        EventKind.SUSPENDED,
        check=lambda: _require_live(cert),
        actor=actor,
        reason=reason,
        doc_number=doc_number,
        today=today,
    )


def reinstate(cert, *, actor: User, reason: str, doc_number: str, today: date | None = None) -> Certificate:
    """发还 a suspended certificate: back to what the calendar says."""

    def check():
        if cert.status is not CertStatus.SUSPENDED:
            raise DomainError("cert.not_suspended")

    return _decide(
        cert,
        (CertStatus.SUSPENDED,),
        lambda day: dated_status(cert, day),
        EventKind.REINSTATED,
        check=check,
        actor=actor,
        reason=reason,
        doc_number=doc_number,
        today=today,
    )


def revoke(cert, *, actor: User, reason: str, doc_number: str, today: date | None = None) -> Certificate:
    """撤销 (30号令 第三十条)."""
    return _decide(
        cert,
        LIVE,
        CertStatus.REVOKED,
        EventKind.REVOKED,
        check=lambda: _require_live(cert, LIVE),
        actor=actor,
        reason=reason,
        doc_number=doc_number,
        today=today,
    )


def cancel(cert, *, actor: User, reason: str, doc_number: str, today: date | None = None) -> Certificate:
    """注销 (30号令 第三十一条: death, the holder's request, or after 撤销)."""
    sources = (*LIVE, CertStatus.REVOKED, CertStatus.EXPIRED)
    return _decide(
        cert,
        sources,
        CertStatus.CANCELLED,
        EventKind.CANCELLED,
        check=lambda: _require_live(cert, sources),
        actor=actor,
        reason=reason,
        doc_number=doc_number,
        today=today,
    )


def reissue(cert, *, actor: User, replace: bool, reason: str, today: date | None = None) -> Certificate:
    """补发 (lost) or 换发 (damaged, the old card returned): the same number and dates, a new card noting it."""
    today = today or local_today()
    _require_authority(actor, cert)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("cert.reason_required", http_status=400)
    _require_live(cert)
    return _change(
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


# ---------------------------------------------------------------- the calendar (nightly)


def mark_lapsed(today: date, *, limit: int = 500) -> int:
    """Move dated certificates whose stored status the calendar has overtaken (有效 → 待复审 → 逾期未复审 → 失效), at
    most ``limit``; each move is guarded by the status read, so a decision taken meanwhile wins. Returns how many."""
    horizon = today + timedelta(days=400)  # wider than any window: the exact test is dated_status()
    rows = db.session.scalars(
        sa.select(Certificate)
        .where(
            Certificate.status.in_(DATED),
            sa.or_(
                Certificate.valid_to < today,
                Certificate.review_due_on <= horizon,
                Certificate.valid_to <= horizon,
            ),
        )
        .order_by(Certificate.id)
    ).all()
    moved = 0
    for cert in rows:
        target = dated_status(cert, today)
        if target is cert.status:
            continue
        try:
            _change(
                cert,
                (cert.status,),
                {"status": target},
                event=EventKind.LAPSED,
                archive_kind="certificate.lapsed",
                actor=None,
                today=today,
                detail={"from": cert.status.value},
            )
        except DomainError:
            continue
        moved += 1
        if moved >= limit:
            break
    return moved
