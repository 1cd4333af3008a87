"""Periodic training jobs (scheduled in ``config.Config.celery()['beat_schedule']``)."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from celery import shared_task

from app.core.clock import local_today
from app.extensions import db
from app.training import classes
from app.training.models import TrainingClass

log = logging.getLogger(__name__)


@shared_task(name="training.refresh_completions")
def refresh_completions() -> int:
    """Mark complete every trainee of a class with an exam who has the hours and passed (classes that ended more
    than 90 days ago are left alone: their 补考 are long over). One commit per class."""
    since = local_today() - timedelta(days=90)
    class_ids = db.session.scalars(
        sa.select(TrainingClass.id).where(TrainingClass.exam_sitting_id.is_not(None), TrainingClass.ends_on >= since)
    ).all()
    total = 0
    for class_id in class_ids:
        total += classes.refresh_completions(db.session.get(TrainingClass, class_id))
        db.session.commit()
    if total:
        log.info("%d trainees completed their class", total)
    return total
