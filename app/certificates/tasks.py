"""Periodic certificate jobs (scheduled in ``config.Config.celery()['beat_schedule']``)."""

from __future__ import annotations

import logging

from celery import shared_task

from app.certificates import lifecycle
from app.core.clock import local_today
from app.extensions import db

log = logging.getLogger(__name__)

BATCH = 500


@shared_task(name="certificates.mark_lapsed")
def mark_lapsed() -> int:
    """Nightly: 有效 → 待复审 → 逾期未复审 → 失效 by the calendar; one commit per batch so progress sticks."""
    today, total = local_today(), 0
    while True:
        moved = lifecycle.mark_lapsed(today, limit=BATCH)
        db.session.commit()
        total += moved
        if moved < BATCH:
            break
    if total:
        log.info("certificates: %d status changes by the calendar", total)
    return total
