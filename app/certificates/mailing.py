"""Reminder emails: the email copy of each in-app :class:`Notice`, when SMTP is configured (``app.core.mail``).

When ``reminders.send_due`` writes a notice (once per certificate, window and recipient), :func:`queue` adds a
:class:`NoticeMail` for a recipient with an email address on their account and enqueues
``certificates.email_notice`` after the commit. The notice itself never depends on the mail: no SMTP, no address,
a refused or unreachable server — the bell still shows it.

Exactly once: the task claims the row by a conditional ``UPDATE`` (``pending``/``failed`` → ``sending``) and commits
the claim *before* talking to the server, then records ``sent``. A retried or redelivered task finds the row taken
or sent and sends nothing. A failure is recorded (``failed``, the error, the next try) and logged; the sweep
(``certificates.retry_mails``, every 10 minutes) tries again with growing pauses, ``MAX_ATTEMPTS`` times. The one
gap no SMTP client closes: a worker killed after the server accepted the message and before ``sent`` was committed
leaves the row ``sending``; after ``LEASE`` it is sent again — with the same ``Message-ID``, so mail systems that
deduplicate show it once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape

from app.auth.models import User
from app.certificates.issuing.numbering import masked_number
from app.certificates.models import MailState, Notice, NoticeMail
from app.certificates.notice_text import wording
from app.core import mail
from app.core.celery import enqueue_after_commit
from app.core.clock import utcnow
from app.core.db import conditional_update
from app.extensions import db

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
#: A claim older than this belongs to a worker that died mid-send: the sweep may take it again.
LEASE = timedelta(minutes=15)
#: A pending row not picked up within this time (its task was lost with the broker) is sent by the sweep.
PICKUP = timedelta(minutes=5)


def queue(notices: list[Notice]) -> list[int]:
    """Add the email copies of ``notices`` (flushed) and send them after the commit; their ids.

    Nothing when SMTP is not configured or a recipient has no email address.
    """
    if not notices or not mail.configured():
        return []
    addresses = dict(
        db.session.execute(sa.select(User.id, User.email).where(User.id.in_({n.user_id for n in notices}))).all()
    )
    rows = [
        NoticeMail(notice_id=n.id, to_address=addresses[n.user_id].strip(), created_at=utcnow())
        for n in notices
        if (addresses.get(n.user_id) or "").strip()
    ]
    if not rows:
        return []
    db.session.add_all(rows)
    db.session.flush()
    from app.certificates import mail_tasks  # the task module imports this one

    for row in rows:
        enqueue_after_commit(mail_tasks.email_notice, row.id)
    return [row.id for row in rows]


def claim(mail_id: int, now: datetime | None = None) -> NoticeMail | None:
    """Take ``mail_id`` for sending (one attempt more); None when it is sent, being sent, waiting for its next try
    or out of tries — whoever gets None sends nothing."""
    now = now or utcnow()
    moved = db.session.execute(
        conditional_update(NoticeMail)
        .where(
            NoticeMail.id == mail_id,
            NoticeMail.attempts < MAX_ATTEMPTS,
            sa.or_(
                NoticeMail.state == MailState.PENDING,
                sa.and_(NoticeMail.state == MailState.FAILED, NoticeMail.next_try_at <= now),
                sa.and_(NoticeMail.state == MailState.SENDING, NoticeMail.claimed_at < now - LEASE),
            ),
        )
        .values(state=MailState.SENDING, claimed_at=now, attempts=NoticeMail.attempts + 1)
    )
    if moved.rowcount != 1:
        return None
    return db.session.scalars(
        sa.select(NoticeMail).where(NoticeMail.id == mail_id).execution_options(populate_existing=True)
    ).one()


def mark_sent(mail_id: int, now: datetime | None = None) -> bool:
    moved = db.session.execute(
        conditional_update(NoticeMail)
        .where(NoticeMail.id == mail_id, NoticeMail.state == MailState.SENDING)
        .values(state=MailState.SENT, sent_at=now or utcnow(), error="", next_try_at=None)
    )
    return moved.rowcount == 1


def retry_delay(attempts: int) -> timedelta:
    """5, 10, 20 … minutes after each failure, at most 6 hours."""
    return min(timedelta(minutes=5 * 2 ** max(attempts - 1, 0)), timedelta(hours=6))


def mark_failed(mail_id: int, error: str, now: datetime | None = None) -> int | None:
    """Record a failed attempt and when to try again; the attempts so far (None when the row was not ours)."""
    now = now or utcnow()
    attempts = db.session.scalar(sa.select(NoticeMail.attempts).where(NoticeMail.id == mail_id))
    moved = db.session.execute(
        conditional_update(NoticeMail)
        .where(NoticeMail.id == mail_id, NoticeMail.state == MailState.SENDING)
        .values(state=MailState.FAILED, error=error[:300], next_try_at=now + retry_delay(attempts or 1))
    )
    return attempts if moved.rowcount == 1 else None


def due(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Rows the sweep should (re)send: failed ones whose pause is over, pending ones whose task was lost, and
    claims abandoned by a dead worker."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(NoticeMail.id)
            .where(
                NoticeMail.attempts < MAX_ATTEMPTS,
                sa.or_(
                    sa.and_(NoticeMail.state == MailState.FAILED, NoticeMail.next_try_at <= now),
                    sa.and_(NoticeMail.state == MailState.PENDING, NoticeMail.created_at < now - PICKUP),
                    sa.and_(NoticeMail.state == MailState.SENDING, NoticeMail.claimed_at < now - LEASE),
                ),
            )
            .order_by(NoticeMail.id)
            .limit(limit)
        )
    )


def compose(row: NoticeMail) -> mail.Mail:
    """The reminder as an email: a plain-text body and the same in simple HTML, in Chinese (accounts carry no
    language; the in-app notice follows the page's language)."""
    notice = row.notice
    user = db.session.get(User, notice.user_id)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    with force_locale("zh_CN"):
        words = wording(notice)
        line, subject, action, link = words.line, words.subject, words.action, f"{base}{words.path}"
        greeting = _("%(name)s，您好：", name=user.label if user else "")
        cert = notice.certificate
        facts = (
            _("证号：%(number)s；发证机关：%(authority)s", number=masked_number(cert.number), authority=cert.authority)
            if cert is not None
            else ""
        )
        look = _("查看证书") if cert is not None else _("查看持证上岗情况")
        footer = _("本邮件由安培安全培训考试平台自动发送，请勿直接回复。")
    text = f"{greeting}\n\n{line}。\n{facts}\n{action}\n\n{look}：{link}\n\n-- \n{footer}\n"
    html = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>'
        f"<p>{escape(greeting)}</p><p><strong>{escape(line)}</strong>。<br>{escape(facts)}</p>"
        f'<p>{escape(action)}</p><p><a href="{escape(link)}">{escape(look)}</a></p>'
        f'<p style="color:#666;font-size:12px">{escape(footer)}</p></body></html>'
    )
    return mail.Mail(
        to=(row.to_address,),
        subject=subject,
        text=text,
        html=html,
        message_id=f"<notice-{notice.id}.{notice.due_on:%Y%m%d}@anpei>",
    )
