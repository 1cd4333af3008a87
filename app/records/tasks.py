"""The nightly purge (scheduled in ``config.Config.celery()['beat_schedule']``)."""

from celery import shared_task

from app.extensions import db
from app.records.purge import purge


@shared_task(name="records.purge")
def purge_expired() -> dict:
    """Purge what is past retention, persons under a legal hold excepted; the run commits batch by batch."""
    run = purge(db.session.commit)
    return {
        "run": run.id,
        "events": run.events_purged,
        "snapshots": run.snapshots_purged,
        "photos": run.photos_purged,
        "access_log": run.access_log_purged,
        "held": run.held_skipped,
    }
