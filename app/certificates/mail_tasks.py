"""Celery tasks of the reminder emails (``app.certificates.mailing``): one send per notice, and the retry sweep."""

from __future__ import annotations

import logging

from celery import shared_task

from app.certificates import mailing
from app.core import mail
from app.extensions import db

log = logging.getLogger(__name__)


@shared_task(name="certificates.email_notice", acks_late=True, reject_on_worker_lost=True)
def email_notice(mail_id: int) -> str:
    """Send the email copy of one notice, once: ``sent``, ``failed`` (recorded, retried by the sweep), or
    ``skipped`` (not configured, already sent, being sent, or out of tries)."""
    if not mail.configured():
        return "skipped"
    row = mailing.claim(mail_id)
    if row is None:
        db.session.rollback()
        return "skipped"
    message = mailing.compose(row)
    db.session.commit()  # the claim is visible before the message leaves: a redelivered task finds it taken
    try:
        mail.send(message)
    except mail.MailError as exc:
        attempts = mailing.mark_failed(mail_id, str(exc))
        db.session.commit()
        log.warning("reminder mail %s to %s failed (attempt %s): %s", mail_id, message.to[0], attempts, exc)
        if attempts is not None and attempts >= mailing.MAX_ATTEMPTS:
            log.error("reminder mail %s: giving up after %s attempts", mail_id, attempts)
        return "failed"
    mailing.mark_sent(mail_id)
    db.session.commit()
    return "sent"


@shared_task(name="certificates.retry_mails")
def retry_mails() -> int:
    """Beat, every 10 minutes: send the failed mails whose pause is over, and any whose task was lost."""
    if not mail.configured():
        return 0
    ids = mailing.due()
    db.session.rollback()
    for mail_id in ids:
        email_notice.delay(mail_id)
    return len(ids)
