"""The nightly job's rule: bring stored certificates in line with the calendar and with rule changes."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.certificates import obligations
from app.certificates.lifecycle import (
    change,
    effective_status,
    rules,
    status_with,
)
from app.certificates.models import (
    DATED,
    DECIDED,
    Certificate,
    CertKind,
    EventKind,
)
from app.certificates.status_sql import status_expr
from app.core.errors import DomainError
from app.extensions import db
from app.rules.book import RuleBook
from app.rules.queries import rule_case

# ---------------------------------------------------------------- the calendar and rule changes (nightly)


def _lagging(book: RuleBook, today: date) -> sa.Select:
    """Certificates whose stored status the calendar (or a rule change) has overtaken."""
    return sa.select(Certificate).where(Certificate.status.in_(DATED), Certificate.status != status_expr(book, today))


def _abolished_reviews(book: RuleBook) -> sa.Select:
    """Certificates still carrying a scheduled 应复审日期 on which no 复审 exists any more."""
    years = rule_case(book, obligations.REVIEW_YEARS, region=Certificate.region_code, on=Certificate.review_due_on)
    return sa.select(Certificate).where(
        Certificate.kind == CertKind.SPECIAL_OPERATOR,
        Certificate.review_due_on.is_not(None),
        Certificate.review_due_on < Certificate.valid_to,
        years <= 0,
    )


def recompute(today: date, *, limit: int = 500) -> int:
    """Bring stored certificates in line with the rules, at most ``limit`` changes:

    - a 应复审日期 on which no 复审 exists any more (it fell due on or after 2026-06-01) is cleared, with a
      ``依新规调整`` record naming it (the card stops printing it; 换证 at the end of validity takes over);
    - a stored status the calendar has overtaken moves (有效 → 待换证 → 过期; 待复审 → 逾期未复审 …), and one that
      a rule change undid moves back (a holder marked 逾期未复审 for a 复审 that no longer exists is 有效 again,
      their certificate live again). Each move is guarded by the status and the dates read, so a decision or a
      复审/换证 recorded meanwhile wins.

    Returns how many certificates changed."""
    book, changed = rules(), 0
    for cert in db.session.scalars(_abolished_reviews(book).order_by(Certificate.id).limit(limit)).all():
        due = cert.review_due_on
        values = {"review_due_on": None}
        if cert.status not in DECIDED:
            values["status"] = status_with(cert, today, book, review_due_on=None)
        changed += _try_change(
            cert,
            values,
            guard=(Certificate.review_due_on == due,),
            event=EventKind.RULE_CHANGED,
            archive_kind="certificate.rule_changed",
            today=today,
            reason=book.row(obligations.REVIEW_YEARS, region_code=cert.region_code, on=due).legal_basis,
            detail={"review_due_was": due, "from": cert.status.value},
            reprint=True,
        )
    for cert in db.session.scalars(_lagging(book, today).order_by(Certificate.id).limit(max(0, limit - changed))).all():
        changed += _try_change(
            cert,
            {"status": effective_status(cert, today, book)},
            guard=_dates_as_read(cert),
            event=EventKind.LAPSED,
            archive_kind="certificate.lapsed",
            today=today,
            detail={"from": cert.status.value},
        )
    return changed


def _dates_as_read(cert: Certificate) -> tuple:
    """The dates a calendar status was computed from, unchanged: a 复审 or 换证 recorded meanwhile (new dates, the
    same status 有效) wins over the move computed from the old ones."""
    return tuple(
        getattr(Certificate, name).is_not_distinct_from(getattr(cert, name))
        for name in ("valid_from", "valid_to", "review_due_on", "region_code")
    )


def _try_change(cert: Certificate, values: dict, **how) -> int:
    """One calendar or rule move in a savepoint: 1 if it happened, 0 if a decision won meanwhile or the item is
    live on another certificate (then the row is left as it was, and looked at again next night)."""
    try:
        with db.session.begin_nested():
            change(cert, (cert.status,), values, actor=None, **how)
    except (DomainError, IntegrityError):
        db.session.refresh(cert)
        return 0
    return 1


def mark_lapsed(today: date, *, limit: int = 500) -> int:
    """The nightly job's name for :func:`recompute`."""
    return recompute(today, limit=limit)
