"""Periodic integrity check of every 一人一档 chain."""

import logging

from celery import shared_task

from app.archive.services import verify_chain, write_checkpoint
from app.extensions import db

logger = logging.getLogger(__name__)


@shared_task(name="archive.verify_all")
def verify_all() -> dict:
    """Recompute every chain; log and return the breaks (beat runs it nightly)."""
    checked, breaks = verify_chain()
    for b in breaks:
        logger.error("archive chain broken: person %s event %s seq %s: %s", b.person_id, b.event_id, b.seq, b.reason)
    return {
        "checked": checked,
        "broken": [{"person": b.person_id, "event": b.event_id, "reason": b.reason} for b in breaks],
    }


@shared_task(name="archive.checkpoint")
def checkpoint() -> dict:
    """Sign a snapshot of every file's head (beat, hourly): a chain deleted whole, head and all, is caught by it."""
    written = write_checkpoint()
    db.session.commit()
    return {"checkpoint": written.id, "persons": written.person_count}
