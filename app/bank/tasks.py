"""Large question files are parsed and applied here, off the request; the pages poll the batch."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from celery import shared_task

from app.bank import services
from app.bank.models import BankImport, ImportState
from app.core.storage import storage
from app.extensions import db

logger = logging.getLogger(__name__)


def _progress_writer(import_id: int):
    """Report progress from a separate, autocommitted connection, so the page sees it while the import's own
    transaction is still open. SQLite allows one writer at a time, so there (the embedded mode, where the task
    runs in-process anyway) progress is only written with the result."""
    if db.engine.dialect.name == "sqlite":
        return None

    def write(percent: int) -> None:
        with db.engine.begin() as conn:
            conn.execute(
                sa.update(BankImport.__table__).where(BankImport.__table__.c.id == import_id).values(progress=percent)
            )

    return write


@shared_task(name="bank.apply_import")
def apply_import(import_id: int) -> dict:
    """Apply a claimed (QUEUED) import in one transaction; on failure record the reason and store nothing."""
    batch = db.session.get(BankImport, import_id)
    if batch is None or batch.state is not ImportState.QUEUED:
        return {"skipped": import_id}
    batch.state = ImportState.RUNNING
    db.session.commit()
    try:
        counts = services.apply_import(batch, progress=_progress_writer(import_id))
        db.session.commit()
        return counts
    except Exception as exc:  # the import is all-or-nothing: record why and leave the bank untouched
        return _fail(import_id, exc, "bank import %s failed")


@shared_task(name="bank.parse_import")
def parse_import(import_id: int) -> dict:
    """Parse a large upload kept in storage into its batch (the preview page refreshes until it is STAGED)."""
    batch = db.session.get(BankImport, import_id)
    if batch is None or batch.state is not ImportState.PARSING:
        return {"skipped": import_id}
    key = services.upload_key(batch)
    try:
        services.parse_staged(batch, storage().read(key))
        db.session.commit()
    except Exception as exc:  # a file that breaks the parser fails its batch with the reason, nothing else
        return _fail(import_id, exc, "bank import %s could not be parsed")
    storage().delete(key)
    return {"parsed": import_id, "questions": batch.question_count}


def _fail(import_id: int, exc: Exception, log_message: str) -> dict:
    """Roll the work back and mark the batch FAILED with the reason, for the preview page to show."""
    db.session.rollback()
    logger.exception(log_message, import_id)
    batch = db.session.get(BankImport, import_id)
    batch.state = ImportState.FAILED
    batch.message = f"{type(exc).__name__}: {exc}"[:1000]
    db.session.commit()
    return {"failed": import_id}
