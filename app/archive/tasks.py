"""Periodic integrity check of the 一人一档 chains, and the checkpoints that pin them.

Beat verifies nightly what the checkpoints pinned since the last intact run, plus a sample of older chains
(``ARCHIVE_VERIFY_SAMPLE``; ``flask verify-archive --full`` checks everything), and writes a checkpoint hourly
(``config.Config.celery()['beat_schedule']``). The embedded mode has no beat, so the app writes it itself
(``init_app``): before a request, at most once a minute, it looks at the latest checkpoint's age and writes a new
one when it is older than ``ARCHIVE_CHECKPOINT_MINUTES``. ``flask verify-archive`` writes one too after an intact
verification of the whole archive.
"""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from flask import Flask, current_app

from app.archive.checkpoints import checkpoint_overdue, write_checkpoint
from app.archive.models import ArchiveCheckpoint
from app.archive.verification import verify_archive
from app.archive.verification_runs import record_run
from app.core import clock
from app.extensions import db

logger = logging.getLogger(__name__)

#: How often a process of the embedded mode looks whether a checkpoint is due (one query).
LOOK_EVERY = timedelta(minutes=1)


@shared_task(name="archive.verify_all")
def verify_all(full: bool = False) -> dict:
    """Verify what is new since the last intact run and a sample of older chains (beat, nightly), or every chain
    from its start (``full``: beat, weekly); record the run, log and return the breaks."""
    outcome = verify_archive(full=full, sample=current_app.config["ARCHIVE_VERIFY_SAMPLE"])
    run = record_run(outcome)
    db.session.commit()
    for b in outcome.breaks:
        logger.error("archive chain broken: person %s event %s seq %s: %s", b.person_id, b.event_id, b.seq, b.reason)
    logger.info(
        "archive verification run %s (%s): %d event(s) in %d chain(s), checkpoints %s–%s, %s",
        run.id,
        run.mode,
        run.events_checked,
        run.chains_checked,
        run.first_checkpoint_id,
        run.last_checkpoint_id,
        run.result,
    )
    return {
        "checked": outcome.checked,
        "broken": [{"person": b.person_id, "event": b.event_id, "reason": b.reason} for b in outcome.breaks],
    }


@shared_task(name="archive.checkpoint")
def checkpoint() -> dict:
    """Pin the heads that moved since the last checkpoint (beat, hourly): a chain deleted whole, head and all, or
    cut with an older head written back, is caught by it."""
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
