"""Celery tasks of the API's webhooks (scheduled ones in ``config.Config.celery()['beat_schedule']``)."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from celery import shared_task
from flask import current_app

from app.api.models import ApiCall, IdempotencyRecord
from app.api.webhooks import fanout, outbox, sending
from app.core.db import utcnow
from app.extensions import db

log = logging.getLogger(__name__)


@shared_task(name="api.fan_out")
def fan_out() -> int:
    """Turn new webhook events into deliveries (one per subscription whose client may see the event) and send
    them. Sent after the commit of each change that wrote an event, and by beat as a sweep."""
    created = fanout.fan_out_pending()
    db.session.commit()
    for delivery_id in created:
        deliver.delay(delivery_id)
    return len(created)


@shared_task(name="api.deliver", acks_late=True, reject_on_worker_lost=True)
def deliver(delivery_id: int) -> str:
    """Send one delivery, once at a time: ``delivered``, ``failed`` (retried by the sweep after its pause),
    ``dead`` or ``skipped`` (not due, taken by another worker, done). The claim is committed before the request
    leaves, so a redelivered task (a killed worker) finds it taken until the claim goes stale."""
    claimed = sending.claim(delivery_id)
    if claimed is None:
        db.session.commit()
        return "skipped"
    delivery, token = claimed
    db.session.commit()
    status, error = sending.send(delivery)
    outcome = sending.record(delivery, token, status, error)
    db.session.commit()
    if outcome != "delivered":
        log.warning("webhook delivery %s: %s (%s)", delivery_id, outcome, error or status)
    return outcome


@shared_task(name="api.retry_deliveries")
def retry_deliveries() -> int:
    """Beat, every minute: events not yet fanned out, failed deliveries whose pause is over, claims gone stale."""
    created = fanout.fan_out_pending()
    db.session.commit()
    due = sorted(set(created) | set(sending.due_deliveries()))
    db.session.rollback()
    for delivery_id in due:
        deliver.delay(delivery_id)
    return len(due)


@shared_task(name="api.findings_due")
def findings_due() -> int:
    """Beat, hourly: ``finding.due`` for findings near their deadline (once each)."""
    new = outbox.findings_due()
    db.session.commit()
    return new


@shared_task(name="api.purge")
def purge() -> int:
    """Beat, daily: idempotency records past ``API_IDEMPOTENCY_HOURS``, call-log rows past ``API_LOG_DAYS``."""
    now = utcnow()
    config = current_app.config
    gone = db.session.execute(
        sa.delete(IdempotencyRecord).where(
            IdempotencyRecord.created_at < now - timedelta(hours=config["API_IDEMPOTENCY_HOURS"])
        )
    ).rowcount
    gone += db.session.execute(
        sa.delete(ApiCall).where(ApiCall.at < now - timedelta(days=config["API_LOG_DAYS"]))
    ).rowcount
    db.session.commit()
    return gone
