"""Periodic exam jobs (scheduled in ``config.Config.celery()['beat_schedule']``)."""

from __future__ import annotations

import logging

from celery import shared_task

from app.core.db import utcnow
from app.exams.attempts import grading
from app.extensions import db

log = logging.getLogger(__name__)

BATCH = 200


@shared_task(name="exams.expire_overdue")
def expire_overdue() -> int:
    """Close and grade every attempt past its deadline plus grace; one commit per batch so progress sticks."""
    now, total = utcnow(), 0
    while True:
        handled = grading.expire_overdue(now, limit=BATCH)
        db.session.commit()
        total += handled
        if handled < BATCH:
            break
    if total:
        log.info("expired/graded %d attempts", total)
    return total
