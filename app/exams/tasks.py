"""Periodic exam jobs (scheduled in ``config.Config.celery()['beat_schedule']``)."""

from __future__ import annotations

import logging

from celery import shared_task

from app.core.db import utcnow
from app.core.errors import DomainError
from app.exams.attempts import grading, preparing
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


@shared_task(name="exams.prepare_papers")
def prepare_papers() -> int:
    """Draw the papers of the candidates of every sitting opening within the hour (or open), in keyset batches with
    one commit each, so that their 开始考试 is one statement (``app.exams.attempts.preparing``); forget those of
    closed sittings."""
    total = 0
    for sitting in preparing.sittings_to_prepare():
        after: int | None = 0
        while after is not None:
            try:
                drawn, after = preparing.prepare_papers(sitting, after_person=after, limit=BATCH)
            except DomainError as exc:  # the banks cannot fill the paper: the start will say so
                db.session.rollback()
                log.warning("sitting %s: no papers prepared (%s)", sitting.id, exc.code)
                break
            db.session.commit()
            total += drawn
    forgotten = preparing.forget_closed()
    db.session.commit()
    if total or forgotten:
        log.info("prepared %d papers, forgot %d of closed sittings", total, forgotten)
    return total
