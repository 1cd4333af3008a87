"""Periodic integrity check of every 一人一档 chain, and the checkpoints that pin it.

Beat writes a checkpoint hourly (``config.Config.celery()['beat_schedule']``). The embedded mode has no beat, so
the app writes it itself (``init_app``): before a request, at most once a minute, it looks at the latest
checkpoint's age and writes a new one when it is older than ``ARCHIVE_CHECKPOINT_MINUTES``. ``flask verify-archive``
writes one too after an intact verification of the whole archive.
"""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from flask import Flask, current_app

from app.archive.models import ArchiveCheckpoint
from app.archive.services import checkpoint_overdue, verify_chain, write_checkpoint
from app.core import clock
from app.extensions import db

logger = logging.getLogger(__name__)

#: How often a process of the embedded mode looks whether a checkpoint is due (one query).
LOOK_EVERY = timedelta(minutes=1)


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


def checkpoint_if_due(every: timedelta, now: datetime | None = None) -> ArchiveCheckpoint | None:
    """Write and commit a checkpoint when the latest is older than ``every`` (or none pins a file yet)."""
    now = now or clock.utcnow()
    if checkpoint_overdue(every, now) is None:
        return None
    written = write_checkpoint(now=now)
    db.session.commit()
    logger.info("archive checkpoint %s written in-app: %d head(s)", written.id, written.person_count)
    return written


def init_app(app: Flask) -> None:
    """The embedded mode's stand-in for beat's hourly checkpoint (``ARCHIVE_CHECKPOINT_IN_APP``; on without a
    broker). It runs before a request, when the session has nothing pending, and on the app's clock."""
    looked: dict[str, datetime] = {}

    @app.before_request
    def _checkpoint_when_due() -> None:
        config = current_app.config
        if not config.get("ARCHIVE_CHECKPOINT_IN_APP"):
            return
        now = clock.utcnow()
        if looked.get("at") is not None and now - looked["at"] < LOOK_EVERY:
            return
        looked["at"] = now
        try:
            checkpoint_if_due(timedelta(minutes=config["ARCHIVE_CHECKPOINT_MINUTES"]), now)
        except Exception:  # never fail a page over it; verify-archive reports a checkpoint gone stale
            db.session.rollback()
            logger.exception("archive checkpoint in-app failed")
