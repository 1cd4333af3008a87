"""Periodic certificate jobs (scheduled in ``config.Config.celery()['beat_schedule']``)."""

from __future__ import annotations

import logging

from celery import shared_task

from app.certificates import recompute, reminders, rendering
from app.core.clock import local_today
from app.extensions import db

log = logging.getLogger(__name__)

BATCH = 500
#: Certificates per rendered document: layout and fonts are set up once per document, but each split file carries
#: the whole document's font subsets (its own page and photo only). 20 renders fastest here
#: (bench/certificates.py --chunk: 10, 20, 40 per document: 24, 22.5, 27 ms of CPU a certificate; ~165 KB a file).
RENDER_CHUNK = 20


@shared_task(name="certificates.mark_lapsed")
def mark_lapsed() -> int:
    """Nightly: stored statuses follow the calendar and the rules (有效 → 待换证 → 过期; a 应复审日期 no rule has any
    more is cleared; ``app.certificates.recompute``); one commit per batch so progress sticks. Also run once after
    a rule change: ``flask recompute-certificates``."""
    today, total = local_today(), 0
    while True:
        moved = recompute.recompute(today, limit=BATCH)
        db.session.commit()
        total += moved
        if moved < BATCH:
            break
    if total:
        log.info("certificates: %d status changes by the calendar", total)
    return total


@shared_task(name="certificates.render_pending", acks_late=True, reject_on_worker_lost=True)
def render_pending(cert_ids: list[int], chunk: int = RENDER_CHUNK) -> int:
    """Render and store the PDFs of ``cert_ids`` that are missing or out of date, ``chunk`` per document.

    Idempotent: a certificate whose stored PDF is current is skipped, and each chunk commits on its own — a worker
    killed mid-batch leaves the committed chunks done, and the redelivered task (``acks_late``) renders only the
    rest. Storing claims each certificate's render with a conditional UPDATE on the content and PDF versions read
    before rendering, so a change made meanwhile wins, and a second worker on the same certificates (the first one
    not dead after all) records no second version. Tested with a worker killed by SIGKILL mid-batch
    (tests/certificates/test_killed_worker.py).
    """
    done = 0
    ids = sorted(set(cert_ids))
    for start in range(0, len(ids), chunk):
        certs = rendering.stale(ids[start : start + chunk])
        if not certs:
            continue
        for cert, data in zip(certs, rendering.render_many(certs), strict=True):
            done += rendering.store(cert, data)
        db.session.commit()
    if done:
        log.info("certificates: rendered %d PDFs", done)
    return done


@shared_task(name="certificates.send_reminders")
def send_reminders() -> int:
    """Daily: notices for 应复审日期 and expiry inside the reminder window, once per certificate and date."""
    written = reminders.send_due(local_today())
    db.session.commit()
    return written
