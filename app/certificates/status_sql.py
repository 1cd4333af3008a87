"""The status of every certificate on a day, in SQL: :func:`app.certificates.obligations.status_on` as one ``CASE``
over the certificate's columns, for lists, counts and dashboards (filtering a jurisdiction's certificates by status
must not load them into Python).

The rules come in as a :class:`~app.rules.book.RuleBook` and become ``CASE`` expressions
(:func:`app.rules.queries.rule_case`) evaluated per row on the row's own due dates, as the pure module asks them.
A window's opening (``day ≥ due − window``) is written ``due ≤ day + w`` for each value ``w`` the window's rules take,
so the date arithmetic happens in Python and the SQL is the same on SQLite and PostgreSQL.
``tests/certificates/test_obligations.py`` holds the two equal on thousands of generated certificates.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app.certificates.models import DECIDED, Certificate, CertKind, CertStatus
from app.certificates.obligations import REVIEW_YEARS, WINDOW_KEYS, Duty
from app.rules.book import RuleBook
from app.rules.queries import rule_case


def _rule(book: RuleBook, key: str, on) -> sa.ColumnElement:
    return rule_case(book, key, region=Certificate.region_code, on=on)


def _opened(due, window: sa.ColumnElement, values: set[float], day: date) -> sa.ColumnElement:
    """``day >= due - window`` with ``window`` one of ``values``."""
    return sa.or_(*(sa.and_(window == w, due <= day + timedelta(days=int(w))) for w in sorted(values)))


def status_expr(book: RuleBook, day: date) -> sa.ColumnElement:
    """The status on ``day`` of each ``Certificate`` row, typed like ``Certificate.status``."""
    special = Certificate.kind == CertKind.SPECIAL_OPERATOR
    due, end = Certificate.review_due_on, Certificate.valid_to
    review = sa.and_(special, due.is_not(None), due < end, _rule(book, REVIEW_YEARS, due) > 0)
    review_window_key = WINDOW_KEYS[Duty.REVIEW]
    review_window = _rule(book, review_window_key, due)
    # the end of validity: 延期复审 under 30号令 (``old``), 换证 since; 延期换证 for a 合格证
    old = sa.and_(special, _rule(book, REVIEW_YEARS, end) > 0)
    end_keys = {
        Duty.EXTEND: WINDOW_KEYS[Duty.EXTEND],
        Duty.RENEW: WINDOW_KEYS[Duty.RENEW],
        Duty.RENEW_MANAGER: WINDOW_KEYS[Duty.RENEW_MANAGER],
    }
    end_window = sa.case(
        (old, _rule(book, end_keys[Duty.EXTEND], end)),
        (special, _rule(book, end_keys[Duty.RENEW], end)),
        (Certificate.kind == CertKind.MANAGER, _rule(book, end_keys[Duty.RENEW_MANAGER], end)),
        else_=sa.null(),
    )
    end_values = set().union(*(book.values(k) for k in end_keys.values()))

    def status(value: CertStatus):
        return sa.literal(value.value)

    expr = sa.case(
        (Certificate.status.in_(DECIDED), Certificate.status),
        (sa.and_(review, due < day), status(CertStatus.REVIEW_OVERDUE)),
        (
            sa.and_(review, _opened(due, review_window, book.values(review_window_key), day)),
            status(CertStatus.REVIEW_DUE),
        ),
        (review, status(CertStatus.VALID)),
        (
            Certificate.kind == CertKind.TRAINING,
            sa.case((end < day, status(CertStatus.OUT_OF_DATE)), else_=status(CertStatus.VALID)),
        ),
        (end < day, sa.case((old, status(CertStatus.EXPIRED)), else_=status(CertStatus.OUT_OF_DATE))),
        (
            _opened(end, end_window, end_values, day),
            sa.case((old, status(CertStatus.REVIEW_DUE)), else_=status(CertStatus.RENEWAL_DUE)),
        ),
        else_=status(CertStatus.VALID),
    )
    return sa.type_coerce(expr, Certificate.status.type)


def next_due_expr(book: RuleBook) -> sa.ColumnElement:
    """The day a certificate's next obligation falls due while it holds: its 应复审日期 where 30号令's 复审 applies
    to it (:func:`app.certificates.obligations.review_applies`), else the end of validity (换证, 延期复审, 延期换证) —
    :func:`app.certificates.obligations.next_obligation`'s ``due_on`` in SQL, for lists of certificates falling due."""
    special = Certificate.kind == CertKind.SPECIAL_OPERATOR
    due, end = Certificate.review_due_on, Certificate.valid_to
    review = sa.and_(special, due.is_not(None), due < end, _rule(book, REVIEW_YEARS, due) > 0)
    return sa.type_coerce(sa.case((review, due), else_=end), sa.Date)
