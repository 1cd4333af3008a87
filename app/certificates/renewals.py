"""复审, 延期复审, 换证 and 延期换证: what a holder does to keep a certificate, and the exam results each rests on.

Which one applies is the rule of the day it falls due (:mod:`app.certificates.obligations`): 复审 only where it fell
due before 2026-06-01 (30号令); at the end of validity 延期复审 under 30号令, 换证 since 应急管理部令第19号, 延期换证
for a 合格证 (44号令). Each rests on a passed 复审/换证考试 of the same item, still valid, tied to the event once and
for all (``CertificateBasis``, unique per result) — or, for a 复审, on the 10-year rule computed from the employment
history and the violation record, shown with its basis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.auth.models import User
from app.certificates import obligations
from app.certificates.issuing.eligibility import hours_gate_override, training_hours_shortfall
from app.certificates.issuing.issuance import use_basis
from app.certificates.issuing.subjects import exam_kind_of
from app.certificates.issuing.terms import add_years
from app.certificates.lifecycle import (
    change,
    not_future,
    obligation_now,
    require_authority,
    require_status,
    rules,
    status_with,
    subject_of,
)
from app.certificates.models import (
    DATED,
    HOLDS,
    Certificate,
    CertificateBasis,
    CertificateEvent,
    CertKind,
    CertStatus,
    EventKind,
)
from app.certificates.obligations import CertDates, Duty
from app.core.clock import local_today, to_utc
from app.core.errors import DomainError
from app.exams.models import Attempt, AttemptState, ExamKind, Sitting
from app.extensions import db
from app.people.models import Employment, Post
from app.rules.book import RuleBook
from app.rules.queries import rule_value

# ---------------------------------------------------------------- the exam results a 复审 or renewal rests on


def basis_attempts(cert: Certificate, today: date | None = None) -> list[Attempt]:
    """The holder's results a 复审, 延期复审 or renewal of ``cert`` may rest on: passed 复审/换证考试 (or their 补考) of
    the same 操作项目 (a 合格证: the same 人员类型), graded within ``exam.score_valid_months``, not used before."""
    today = today or local_today()
    months = rule_value("exam.score_valid_months", region_code=cert.region_code, on=today)
    since = to_utc(datetime.combine(today - timedelta(days=round(30.44 * months)), time.min))
    until = to_utc(datetime.combine(today + timedelta(days=1), time.min))  # graded by the end of ``today``
    used = sa.select(CertificateBasis.attempt_id).where(CertificateBasis.attempt_id.is_not(None))
    attempts = db.session.scalars(
        sa.select(Attempt)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(
            Attempt.person_id == cert.person_id,
            Attempt.state == AttemptState.GRADED,
            Attempt.passed.is_(True),
            Attempt.graded_at >= since,
            Attempt.graded_at < until,
            Sitting.kind.in_((ExamKind.REVIEW, ExamKind.MAKEUP)),
            Attempt.id.not_in(used),
        )
        .order_by(Attempt.graded_at.desc())
    ).all()
    return [a for a in attempts if _fits(cert, a)]


def _fits(cert: Certificate, attempt: Attempt) -> bool:
    """A 复审/换证考试 result for what ``cert`` certifies."""
    sitting = attempt.sitting
    if exam_kind_of(sitting) is not ExamKind.REVIEW:
        return False
    if cert.kind is CertKind.SPECIAL_OPERATOR:
        return sitting.operation_code == cert.item
    return sitting.post == cert.category and not sitting.operation_code


def _require_basis_exam(cert: Certificate, attempt: Attempt | None, today: date, *, hours: bool = True) -> None:
    """A passed 复审/换证考试 of the holder for the same item, still valid and never used before; and the training
    hours before it (30号令 第二十三条: 8 学时; a 合格证: the year's 再培训), unless the organiser admitted the holder
    to that exam with a logged override of the same hours gate."""
    if attempt is None or attempt.person_id != cert.person_id:
        raise DomainError("cert.review_no_exam")
    if attempt.state is not AttemptState.GRADED or not attempt.passed or not _fits(cert, attempt):
        raise DomainError("cert.review_no_exam")
    if attempt.id not in {a.id for a in basis_attempts(cert, today)}:
        used = db.session.scalar(sa.select(CertificateBasis.id).where(CertificateBasis.attempt_id == attempt.id))
        raise DomainError("cert.basis_used" if used else "cert.score_expired")
    if hours:
        short = training_hours_shortfall(cert.person, subject_of(cert), on=today, review=True)
        if short is not None and hours_gate_override(attempt) is None:
            raise short.refusal()


# ---------------------------------------------------------------- the 10-year rule (30号令 第二十一条)


@dataclass(frozen=True)
class TenYearBasis:
    """Whether the holder may have the 复审 interval extended to 6 years, and why: the continuous run in this
    操作项目 (from the employment history, gaps up to ``cert.ten_year.max_gap_days`` bridged) and the violations
    recorded within the validity period (违章 records and 暂扣)."""

    since: date | None
    years: float
    violations: tuple[tuple[date, str], ...]

    @property
    def met(self) -> bool:
        return self.years >= 10 and not self.violations


def ten_year_basis(cert: Certificate, today: date | None = None) -> TenYearBasis:
    today = today or local_today()
    book = rules()
    periods = db.session.execute(
        sa.select(Employment.start_date, Employment.end_date).where(
            Employment.person_id == cert.person_id,
            Employment.post == Post.SPECIAL_OPERATOR,
            Employment.operation_code == cert.item,
        )
    ).all()
    gap = book.int("cert.ten_year.max_gap_days", region_code=cert.region_code, on=today)
    since = obligations.continuous_since(periods, today, max_gap_days=gap)
    years = round((today - since).days / 365.25, 1) if since else 0.0
    violations = tuple(
        db.session.execute(
            sa.select(CertificateEvent.on_date, CertificateEvent.reason)
            .where(
                CertificateEvent.certificate_id == cert.id,
                CertificateEvent.kind.in_((EventKind.VIOLATION, EventKind.SUSPENDED)),
                CertificateEvent.on_date.between(cert.valid_from, today),
            )
            .order_by(CertificateEvent.on_date)
        ).all()
    )
    return TenYearBasis(since, years, violations)


# ---------------------------------------------------------------- 复审 (30号令, where it still applied)


def review(
    cert: Certificate,
    *,
    actor: User,
    attempt: Attempt | None = None,
    ten_year: bool = False,
    doc_number: str = "",
    today: date | None = None,
) -> Certificate:
    """复审 within the window before 应复审日期 (30号令 第二十一、二十二条) — only where the 复审 falls due under a rule
    that still has one (before 2026-06-01; since then 令第19号 has none, the holder renews at the end instead).

    With a passed 复审考试 (``attempt``, used once), or — ``ten_year`` — under the 10-year rule when the employment
    history and the violation record meet it (:func:`ten_year_basis`): no exam, and the interval becomes
    ``cert.review_years.special_operator.extended`` (6 years). The next 应复审日期 is the old one plus the interval,
    kept only while it is before the validity's end and a 复审 still exists on it.
    """
    today = today or local_today()
    book = rules()
    require_authority(actor, cert)
    if cert.kind is not CertKind.SPECIAL_OPERATOR:
        raise DomainError("cert.no_review")
    require_status(cert, today, book, allowed=(*HOLDS, CertStatus.REVIEW_OVERDUE))
    obligation = obligation_now(cert, today, book)
    if obligation.duty is not Duty.REVIEW:
        if cert.review_due_on is not None and not obligations.review_applies(CertDates.of(cert), book):
            raise DomainError("cert.review_abolished", due=cert.review_due_on.isoformat())
        raise DomainError("cert.no_review_due", duty=obligation.duty.label)
    due, region = obligation.due_on, cert.region_code
    if not obligation.opens_on <= today <= due:
        raise DomainError("cert.review_window", due=due.isoformat(), days=(due - obligation.opens_on).days)
    if ten_year:
        basis = ten_year_basis(cert, today)
        if not basis.met:
            raise DomainError("cert.ten_year_not_met", years=f"{basis.years:g}", violations=len(basis.violations))
        years = book.int("cert.review_years.special_operator.extended", region_code=region, on=due)
        if cert.review_years == years:
            raise DomainError("cert.ten_year_used")
    else:
        _require_basis_exam(cert, attempt, today)
        years = cert.review_years or book.int(obligations.REVIEW_YEARS, region_code=region, on=due)
    next_due = _scheduled_review(add_years(due, years), cert.valid_to, region, book)
    values = {"review_due_on": next_due, "review_years": years}
    values["status"] = status_with(cert, today, book, review_due_on=next_due)
    event_row = change(
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
    if not ten_year:
        use_basis(cert, event_row, attempt_id=attempt.id)
    return cert


def _scheduled_review(due: date, valid_to: date, region: str, book: RuleBook) -> date | None:
    """The next 应复审日期 30号令 schedules — None where no 复审 would exist on it (at or past the validity's end,
    where 延期复审 or 换证 takes over; or when the rule of that day has none)."""
    due = min(due, valid_to)
    if due >= valid_to or book.value(obligations.REVIEW_YEARS, region_code=region, on=due) <= 0:
        return None
    return due


# ---------------------------------------------------------------- the end of validity: 延期复审, 换证, 延期换证


def renew(
    cert: Certificate,
    *,
    actor: User,
    attempt: Attempt | None,
    applied_on: date | None = None,
    ten_year: bool = False,
    doc_number: str = "",
    today: date | None = None,
) -> Certificate:
    """The end-of-validity obligation of ``cert``, whichever the rule of its due date makes it:

    - 延期复审 (30号令 第二十二、二十四条, validity ending before 2026-06-01): a new 6-year period from the old end
      with its 应复审日期 (``ten_year``: the extended interval);
    - 换证 (应急管理部令第19号): a new 6-year period, no 复审;
    - 延期换证 of a 合格证 (44号令): applied for at least ``cert.extend_notice_days.manager`` (30) days before the
      end, a new 3-year period.

    Each needs a passed 复审/换证考试 of the item (used once) and the training hours before it; the number and
    初领日期 stay, the history is kept. A certificate already 逾期未复审 (a missed 复审) cannot be renewed.
    """
    today = today or local_today()
    book = rules()
    require_authority(actor, cert)
    if cert.kind is CertKind.TRAINING:
        raise DomainError("cert.no_review")
    require_status(cert, today, book)
    obligation = obligation_now(cert, today, book)
    if obligation.duty is Duty.REVIEW:
        raise DomainError("cert.review_first", due=obligation.due_on.isoformat())
    applied_on = not_future(applied_on, today, "applied_on")
    end, region = cert.valid_to, cert.region_code
    if not obligation.opens_on <= applied_on <= obligation.apply_by:
        raise DomainError(
            "cert.renew_window",
            duty=obligation.duty.label,
            opens=obligation.opens_on.isoformat(),
            by=obligation.apply_by.isoformat(),
        )
    _require_basis_exam(cert, attempt, today)
    if obligation.duty is Duty.RENEW_MANAGER:
        new_to = add_years(end, book.int("cert.validity_years.manager", region_code=region, on=end))
        next_due, years, event = None, None, EventKind.RENEWED
    else:
        new_to = add_years(end, book.int("cert.validity_years.special_operator", region_code=region, on=end))
        if obligation.duty is Duty.EXTEND:
            key = "cert.review_years.special_operator" + (".extended" if ten_year else "")
            years = book.int(key, region_code=region, on=end)
            next_due, event = _scheduled_review(add_years(end, years), new_to, region, book), EventKind.EXTENDED
        else:
            next_due, years, event = None, None, EventKind.RENEWED
    values = {"valid_from": end, "valid_to": new_to, "review_due_on": next_due, "review_years": years}
    values["status"] = status_with(cert, today, book, valid_to=new_to, review_due_on=next_due)
    event_row = change(
        cert,
        DATED,
        values,
        guard=(Certificate.valid_to == end,),
        event=event,
        archive_kind="certificate.extended" if event is EventKind.EXTENDED else "certificate.renewed",
        actor=actor,
        today=today,
        doc_number=doc_number,
        detail={
            "duty": obligation.duty.value,
            "applied_on": applied_on,
            "valid_to_was": end,
            "valid_to": new_to,
            "next_due": next_due,
            "attempt": attempt.id,
        },
        reprint=True,
    )
    use_basis(cert, event_row, attempt_id=attempt.id)
    return cert


def extend(cert: Certificate, **kwargs) -> Certificate:
    """延期复审: :func:`renew` (the rule of the validity's end decides whether it is 延期复审 or 换证)."""
    return renew(cert, **kwargs)
