"""Reminders: ``CERT_REMIND_DAYS`` (60) days before a certificate's obligation falls due — a 复审 where 30号令 still
applied, the end of validity otherwise (换证, 延期复审, 延期换证: :mod:`app.certificates.obligations` says which) — the
holder and their current employers' admins get an in-app notice, once per certificate and date, however often the
job runs or however many workers run it (a guarded ``UPDATE`` of ``reminded_*_for`` decides who sends), and its
email copy when SMTP is configured (``app.certificates.mailing``). No reminder for a 复审 that no longer exists.

And once per appointment: a 高危 unit's 主要负责人/安管 still without a valid 合格证 six months
(``appointment.exam_deadline_months``) after taking the post (3号令 第二十四条) — to the enterprise's admins and the
regulators over it (``app.certificates.compliance.overdue_appointments``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.auth.models import Role, User
from app.certificates import compliance, mailing, obligations
from app.certificates.models import HOLDS, Certificate, Notice
from app.certificates.status_sql import status_expr
from app.core.db import conditional_update, insert_on_conflict, utcnow
from app.extensions import db
from app.people.models import Employment
from app.rules.queries import rule_book, rule_case
from app.tenancy.models import Jurisdiction


def recipients(cert: Certificate) -> list[int]:
    """The holder's login and the admins of the enterprises employing them now."""
    employers = sa.select(Employment.enterprise_id).where(
        Employment.person_id == cert.person_id, Employment.end_date.is_(None)
    )
    return list(
        db.session.scalars(
            sa.select(User.id)
            .where(
                sa.or_(
                    sa.and_(User.role == Role.WORKER, User.person_id == cert.person_id),
                    sa.and_(User.role == Role.ENTERPRISE, User.enterprise_id.in_(employers)),
                )
            )
            .order_by(User.id)
        )
    )


def _claim(cert: Certificate, column, due: date) -> bool:
    """Mark ``cert`` as reminded for ``due``; True for the one caller that changed it."""
    moved = db.session.execute(
        conditional_update(Certificate)
        .where(Certificate.id == cert.id, sa.or_(column.is_(None), column != due))
        .values({column.key: due})
    )
    return moved.rowcount == 1


def send_due(today: date) -> int:
    """Write the notices whose window has opened; returns how many notices were written."""
    book = rule_book(obligations.KEYS)
    horizon = today + timedelta(days=current_app.config["CERT_REMIND_DAYS"])
    holding = status_expr(book, today).in_(HOLDS)
    written = 0
    review_years = rule_case(
        book, obligations.REVIEW_YEARS, region=Certificate.region_code, on=Certificate.review_due_on
    )
    review = db.session.scalars(
        sa.select(Certificate).where(
            holding,
            Certificate.review_due_on.between(today, horizon),
            Certificate.review_due_on < Certificate.valid_to,
            review_years > 0,
            sa.or_(
                Certificate.reminded_review_for.is_(None),
                Certificate.reminded_review_for != Certificate.review_due_on,
            ),
        )
    ).all()
    for cert in review:
        if _claim(cert, Certificate.reminded_review_for, cert.review_due_on):
            written += _notify(cert, "review", cert.review_due_on)
    expiring = db.session.scalars(
        sa.select(Certificate).where(
            holding,
            Certificate.valid_to.between(today, horizon),
            sa.or_(Certificate.reminded_expiry_for.is_(None), Certificate.reminded_expiry_for != Certificate.valid_to),
        )
    ).all()
    for cert in expiring:
        if _claim(cert, Certificate.reminded_expiry_for, cert.valid_to):
            duty = obligations.end_duty(obligations.CertDates.of(cert), book)
            written += _notify(cert, "expiry", cert.valid_to, duty=duty.value if duty else "")
    written += _appointments(today)
    db.session.flush()
    return written


def _notify(cert: Certificate, kind: str, due: date, *, duty: str = "") -> int:
    users = recipients(cert)
    now = utcnow()
    notices = [
        Notice(user_id=user_id, certificate_id=cert.id, kind=kind, duty=duty, due_on=due, created_at=now)
        for user_id in users
    ]
    db.session.add_all(notices)
    if notices:
        db.session.flush()
        mailing.queue(notices)  # and by email, when SMTP is configured and the recipient has an address
    return len(users)


def _appointments(today: date) -> int:
    """One notice per overdue appointment and recipient (the partial unique index keeps it once)."""
    written = 0
    for line in compliance.overdue_appointments(today):
        employment = line.employment
        users = db.session.scalars(
            sa.select(User.id).where(
                sa.or_(
                    sa.and_(User.role == Role.ENTERPRISE, User.enterprise_id == employment.enterprise_id),
                    sa.and_(User.role == Role.REGULATOR, User.jurisdiction_id.in_(_regulating(employment))),
                )
            )
        ).all()
        for user_id in users:
            stmt = insert_on_conflict(db.session, Notice).values(
                user_id=user_id,
                employment_id=employment.id,
                kind="appointment",
                duty="",
                due_on=line.deadline,
                created_at=utcnow(),
            )
            stmt = stmt.on_conflict_do_nothing(
                index_elements=["user_id", "employment_id"], index_where=sa.text("kind = 'appointment'")
            )
            inserted = db.session.execute(stmt.returning(Notice.id)).scalar()
            if inserted is not None:
                written += 1
                db.session.flush()
                mailing.queue([db.session.get(Notice, inserted)])
    return written


def _regulating(employment: Employment) -> sa.Select:
    """The jurisdictions whose regulators see ``employment``'s enterprise (its region and every area above it)."""
    code = employment.enterprise.region_code
    prefixes = {code[:2] + "0000", code[:4] + "00", code}
    return sa.select(Jurisdiction.id).where(Jurisdiction.code.in_(prefixes))


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None))
    )


def notices_for(user_id: int, limit: int = 100) -> list[Notice]:
    return list(
        db.session.scalars(sa.select(Notice).where(Notice.user_id == user_id).order_by(Notice.id.desc()).limit(limit))
    )


def mark_read(user_id: int, shown_at: datetime) -> None:
    """The user's reminders that arrived by ``shown_at`` (UTC) are read (``app.dashboards.alerts.mark_read``)."""
    db.session.execute(
        conditional_update(Notice)
        .where(Notice.user_id == user_id, Notice.read_at.is_(None), Notice.created_at <= shown_at)
        .values(read_at=utcnow())
    )
