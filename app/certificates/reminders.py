"""Reminders: ``CERT_REMIND_DAYS`` (60) days before a certificate's 应复审日期, and before its validity ends, the
holder and their current employers' admins get an in-app notice — once per certificate and date, however often the
job runs or however many workers run it (a guarded ``UPDATE`` of ``reminded_*_for`` decides who sends) — and its
email copy when SMTP is configured (``app.certificates.mailing``).

A 特种作业操作证 whose 应复审日期 is the end of its validity gets the expiry notice only (延期复审 is due then).
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from app.auth.models import Role, User
from app.certificates import mailing
from app.certificates.models import DATED, Certificate, Notice
from app.core.db import conditional_update, utcnow
from app.extensions import db
from app.people.models import Employment


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
    horizon = today + timedelta(days=current_app.config["CERT_REMIND_DAYS"])
    written = 0
    review = db.session.scalars(
        sa.select(Certificate).where(
            Certificate.status.in_(DATED),
            Certificate.review_due_on.between(today, horizon),
            Certificate.review_due_on < Certificate.valid_to,
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
            Certificate.status.in_(DATED),
            Certificate.valid_to.between(today, horizon),
            sa.or_(Certificate.reminded_expiry_for.is_(None), Certificate.reminded_expiry_for != Certificate.valid_to),
        )
    ).all()
    for cert in expiring:
        if _claim(cert, Certificate.reminded_expiry_for, cert.valid_to):
            written += _notify(cert, "expiry", cert.valid_to)
    db.session.flush()
    return written


def _notify(cert: Certificate, kind: str, due: date) -> int:
    users = recipients(cert)
    now = utcnow()
    notices = [
        Notice(user_id=user_id, certificate_id=cert.id, kind=kind, due_on=due, created_at=now) for user_id in users
    ]
    db.session.add_all(notices)
    if notices:
        db.session.flush()
        mailing.queue(notices)  # and by email, when SMTP is configured and the recipient has an address
    return len(users)


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None))
    )


def notices_for(user_id: int, limit: int = 100) -> list[Notice]:
    return list(
        db.session.scalars(sa.select(Notice).where(Notice.user_id == user_id).order_by(Notice.id.desc()).limit(limit))
    )


def mark_read(user_id: int) -> None:
    db.session.execute(
        conditional_update(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None)).values(read_at=utcnow())
    )
