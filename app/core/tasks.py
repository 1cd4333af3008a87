"""Celery tasks of the core services (a task is a unit of work: it commits)."""

from __future__ import annotations

from celery import shared_task

from app.core.limits import purge
from app.extensions import db


@shared_task(name="core.purge_limits")
def purge_limits() -> dict:
    """Beat, hourly: drop counters nobody needs any more (the table stays the size of the current attacks)."""
    purged = purge()
    db.session.commit()  # a task is a boundary (on SQLite the delete joined the session's transaction)
    return {"purged": purged}
