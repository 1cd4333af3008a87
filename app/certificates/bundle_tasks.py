"""Celery tasks of the ZIP bundles (``app.certificates.bundles``): build one, expire old ones."""

from __future__ import annotations

import logging

from celery import shared_task

from app.certificates import bundle_runs, bundle_zip, bundles
from app.core.errors import DomainError
from app.core.storage import storage
from app.extensions import db

log = logging.getLogger(__name__)


@shared_task(name="certificates.build_bundle", bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def build_bundle(self, bundle_id: int) -> str:
    """Build the ZIP of ``bundle_id``, committing the progress after each chunk (the page polls it).

    Redelivered after a worker died, it takes the bundle over under a new token once the dead run has been silent
    for ``CERT_BUNDLE_STALL_MINUTES`` (until then it waits: the run may be alive, delivered twice); a bundle already
    done, failed or expired is left alone. It first removes the partial ZIPs of runs that lost their bundle. A
    refusal (too many, too big, requester gone) or an unexpected error is recorded on the bundle.
    """
    token = bundle_runs.claim(bundle_id)
    db.session.commit()
    if token is None:
        if bundle_runs.busy(bundle_id):
            db.session.rollback()
            raise self.retry(countdown=bundle_runs.stall_after().total_seconds())
        return "skipped"
    bundle_zip.sweep_workdirs()
    try:
        for _done in bundle_zip.build(bundle_id, token):
            db.session.commit()
    except bundle_runs.Superseded:
        db.session.rollback()
        log.info("bundle %s: taken over by another run", bundle_id)
        return "superseded"
    except DomainError as exc:
        db.session.rollback()
        bundle_runs.fail(bundle_id, token, exc.message)
        db.session.commit()
        return "failed"
    except Exception:
        db.session.rollback()
        log.exception("bundle %s failed", bundle_id)
        bundle_runs.fail(bundle_id, token, DomainError("cert.bundle_failed").message)
        db.session.commit()
        return "failed"  # recorded and logged; raising would only fail the request that ran it in-process
    return "done"


@shared_task(name="certificates.expire_bundles")
def expire_bundles() -> int:
    """Beat, hourly: expired bundles lose their file (deleted after the commit that marks them); partial ZIPs of
    runs that lost their bundle are removed."""
    keys = bundles.expire()
    db.session.commit()
    bundle_zip.sweep_workdirs()
    for key in keys:
        storage().delete(key)
    return len(keys)
