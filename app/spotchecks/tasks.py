"""Periodic spot-check job (scheduled in ``config.Config.celery()['beat_schedule']``)."""

from __future__ import annotations

import logging

from celery import shared_task

from app.core.db import utcnow
from app.extensions import db
from app.spotchecks import inspections
from app.spotchecks.models import Inspection

log = logging.getLogger(__name__)


@shared_task(name="spotchecks.close_expired")
def close_expired() -> int:
    """Close every open inspection whose window has passed: grade its tickets as they stand, open findings.

    One commit per inspection, so one bad inspection does not hold back the others.
    """
    now, closed = utcnow(), 0
    for inspection_id in [i.id for i in inspections.expired_inspections(now)]:
        inspection = db.session.get(Inspection, inspection_id)
        try:
            inspections.close_inspection(inspection, actor=None, now=now)
            db.session.commit()
            closed += 1
        except Exception:
            db.session.rollback()
            log.exception("could not close inspection %s", inspection_id)
    if closed:
        log.info("closed %d expired inspections", closed)
    return closed
