"""What a certificate owes, and its status on a day, by the rule in force on the day each obligation falls due.

Pure: a certificate's dates (:class:`CertDates`) and a :class:`~app.rules.book.RuleBook` in, plain values out — no
database, no clock. Its SQL twin for lists and dashboards is :func:`app.certificates.status_sql.status_expr`; a test
holds the two equal on thousands of generated certificates.

================  ==============================================  =====================================================
obligation        falls due on                                    applies when (the rule asked on the due date)
================  ==============================================  =====================================================
复审 (review)      ``review_due_on``, before the end of validity   ``cert.review_years.special_operator`` > 0 that day
                                                                  (30号令 第二十一条; 0 from 2026-06-01, 令第19号)
延期复审 (extend)  the end of validity of a 特种作业操作证            the same rule > 0 on ``valid_to`` (30号令 第二十四条)
换证 (renew)       the end of validity of a 特种作业操作证            the same rule = 0 on ``valid_to`` (令第19号)
延期换证           the end of validity of a 合格证                    always (44号令: apply ≥ 30 days before it)
================  ==============================================  =====================================================

A 复审 whose due date falls on or after 2026-06-01 does not exist: the holder works on to the end of the 6 years and
then renews. One due before that date followed 30号令 — and a certificate whose 复审 was missed then stays
逾期未复审 (ended: 第二十六条 made it 失效, and no 延期复审 could follow), whatever happened later.

Statuses on a day (暂扣, 撤销 and 注销 are decisions: stored, and returned as they are):

- a 复审 that applies: 待复审 from ``cert.review_window_days`` before it, 逾期未复审 the day after it;
- the end of validity: 待复审 (延期复审 is due) or 待换证 inside its window, then 失效 under 30号令 or 过期 since;
- 有效 otherwise. A 培训合格证明 has no renewal: 有效, then 过期.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from app.certificates.models import DECIDED, CertKind, CertStatus
from app.core.enums import LabelledEnum
from app.rules.book import RuleBook

REVIEW_YEARS = "cert.review_years.special_operator"
#: Every rule this module reads (``app.rules.queries.rule_book(KEYS)`` loads just these).
KEYS = (
    REVIEW_YEARS,
    "cert.review_window_days",
    "cert.renewal_window_days.special_operator",
    "cert.renewal_window_days.manager",
    "cert.extend_notice_days.manager",
)


class Duty(LabelledEnum):
    REVIEW = "review", _l("复审")
    EXTEND = "extend", _l("延期复审")
    RENEW = "renew", _l("换证")
    RENEW_MANAGER = "renew_manager", _l("延期换证")


#: The rule giving each duty's window (days before its due date).
WINDOW_KEYS = {
    Duty.REVIEW: "cert.review_window_days",
    Duty.EXTEND: "cert.review_window_days",
    Duty.RENEW: "cert.renewal_window_days.special_operator",
    Duty.RENEW_MANAGER: "cert.renewal_window_days.manager",
}
#: Duties of 30号令's 复审 regime (their statuses are 待复审 / 逾期未复审 / 失效).
REVIEW_DUTIES = (Duty.REVIEW, Duty.EXTEND)


@dataclass(frozen=True)
class CertDates:
    """What the obligations depend on: the kind, the issuing region (regions may override rules), the validity,
    the next 应复审日期 as scheduled under 30号令 (None when none was), and the stored status."""

    kind: CertKind
    region_code: str
    valid_from: date
    valid_to: date
    review_due_on: date | None
    status: CertStatus = CertStatus.VALID

    @classmethod
    def of(cls, cert) -> CertDates:
        """The dates of a ``Certificate`` row (or anything with the same attributes)."""
        return cls(cert.kind, cert.region_code, cert.valid_from, cert.valid_to, cert.review_due_on, cert.status)


@dataclass(frozen=True)
class Obligation:
    duty: Duty
    #: The day it falls due: the 应复审日期, or the last day of validity.
    due_on: date
    #: The first day of its window (status 待复审/待换证 from then; 复审 and renewals are accepted from then).
    opens_on: date
    #: The last day an application is accepted: the due date; for a 合格证, 30 days before it (44号令).
    apply_by: date
    #: The legal basis of the rule that made it (shown beside it).
    basis: str


def review_applies(dates: CertDates, book: RuleBook) -> bool:
    """Whether the scheduled 应复审日期 is a 复审 at all: before the end of validity, under a rule that had 复审."""
    due = dates.review_due_on
    return (
        dates.kind is CertKind.SPECIAL_OPERATOR
        and due is not None
        and due < dates.valid_to
        and book.value(REVIEW_YEARS, region_code=dates.region_code, on=due) > 0
    )


def end_duty(dates: CertDates, book: RuleBook) -> Duty | None:
    """What the end of validity asks for: 延期复审 (30号令) or 换证 (令第19号), 延期换证 for a 合格证; None for a
    培训合格证明 (it simply ends)."""
    if dates.kind is CertKind.SPECIAL_OPERATOR:
        old = book.value(REVIEW_YEARS, region_code=dates.region_code, on=dates.valid_to) > 0
        return Duty.EXTEND if old else Duty.RENEW
    if dates.kind is CertKind.MANAGER:
        return Duty.RENEW_MANAGER
    return None


def _obligation(duty: Duty, due: date, dates: CertDates, book: RuleBook) -> Obligation:
    window = book.row(WINDOW_KEYS[duty], region_code=dates.region_code, on=due)
    apply_by = due
    if duty is Duty.RENEW_MANAGER:
        apply_by = due - timedelta(
            days=book.int("cert.extend_notice_days.manager", region_code=dates.region_code, on=due)
        )
    basis = book.row(REVIEW_YEARS, region_code=dates.region_code, on=due).legal_basis
    if duty is Duty.RENEW_MANAGER:
        basis = window.legal_basis
    return Obligation(duty, due, due - timedelta(days=int(window.value)), apply_by, basis)


def obligations(dates: CertDates, book: RuleBook) -> list[Obligation]:
    """Every obligation of the current validity period, in the order they fall due."""
    out = []
    if review_applies(dates, book):
        out.append(_obligation(Duty.REVIEW, dates.review_due_on, dates, book))
    duty = end_duty(dates, book)
    if duty is not None:
        out.append(_obligation(duty, dates.valid_to, dates, book))
    return out


def next_obligation(dates: CertDates, book: RuleBook, day: date) -> Obligation | None:
    """The obligation the holder faces on ``day``: the first not yet fallen due; None once one was missed (the
    certificate has ended), or for a certificate that owes nothing."""
    for obligation in obligations(dates, book):
        return obligation if day <= obligation.due_on else None
    return None


def status_on(dates: CertDates, book: RuleBook, day: date) -> CertStatus:
    """The status on ``day`` (see the module's docstring)."""
    if dates.status in DECIDED:
        return dates.status
    for obligation in obligations(dates, book):
        old = obligation.duty in REVIEW_DUTIES
        if day > obligation.due_on:
            if obligation.duty is Duty.REVIEW:
                return CertStatus.REVIEW_OVERDUE
            return CertStatus.EXPIRED if old else CertStatus.OUT_OF_DATE
        if day >= obligation.opens_on:
            return CertStatus.REVIEW_DUE if old else CertStatus.RENEWAL_DUE
        return CertStatus.VALID
    return CertStatus.OUT_OF_DATE if day > dates.valid_to else CertStatus.VALID


def shows_review_date(dates: CertDates, book: RuleBook) -> bool:
    """Whether a page, PDF or export prints the 应复审日期: only where 30号令's 复审 (or 延期复审) applies to it."""
    return dates.review_due_on is not None and (
        review_applies(dates, book) or (dates.review_due_on >= dates.valid_to and end_duty(dates, book) is Duty.EXTEND)
    )


def continuous_since(periods, on: date, *, max_gap_days: int = 0) -> date | None:
    """The start of the unbroken run of ``periods`` ((start, end or None = ongoing), e.g. a person's employments in
    one 操作项目) that reaches ``on``; gaps of up to ``max_gap_days`` between one end and the next start are
    bridged (a change of employer). None when no period covers ``on``."""
    run_start: date | None = None
    run_end: date | None = None
    for start, end in sorted((s, e or on) for s, e in periods if s <= on):
        if run_end is not None and start <= run_end + timedelta(days=max_gap_days + 1):
            run_end = max(run_end, end)
        else:
            run_start, run_end = start, end
    return run_start if run_end is not None and run_end >= on else None
