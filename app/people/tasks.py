"""Work off the request: roster files larger than a few kilobytes (the preview page waits for them), and the face
check of a new 人像抓拍 when a checker is configured."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict

from celery import shared_task

from app.core import crypto
from app.extensions import db
from app.people.models import ImportBatch, Snapshot
from app.people.roster_import import parse_into
from app.people.roster_problems import RowProblem
from app.people.snapshots import face_checks

logger = logging.getLogger(__name__)


@shared_task(name="people.parse_roster")
def parse_roster(batch_id: int) -> dict:
    """Parse a staged upload into its batch (rows and problems); a file that breaks the parser fails the batch
    with a message instead of leaving the preview waiting."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.state != "parsing" or batch.upload_enc is None:
        return {"skipped": batch_id}
    try:
        parse_into(batch, crypto.decrypt_bytes(batch.upload_enc))
        db.session.commit()
    except Exception:
        db.session.rollback()
        logger.exception("roster import %s: parsing failed", batch_id)
        batch = db.session.get(ImportBatch, batch_id)
        batch.problems = json.dumps([asdict(RowProblem(0, "", "file.parse_failed"))])
        batch.problem_count, batch.state, batch.upload_enc = 1, "failed", None
        db.session.commit()
    return {"batch": batch_id, "rows": batch.row_count, "problems": batch.problem_count}


@shared_task(name="people.check_snapshot")
def check_snapshot(snapshot_id: int) -> dict:
    """Compare a new 人像抓拍 with the registered photo, off the request (a checker may take a second or more)."""
    snapshot = db.session.get(Snapshot, snapshot_id)
    if snapshot is None:
        return {"skipped": snapshot_id}
    match = face_checks.check_face(snapshot)
    db.session.commit()
    return {"snapshot": snapshot_id, "checked": match is not None, "review": snapshot.needs_review}
