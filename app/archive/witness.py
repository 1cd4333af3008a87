"""A copy of each archive checkpoint kept outside the database, so a restore from an older backup is noticed.

Checkpoints pin every file's head, but they live in the database they guard: restore last week's dump and last
week's checkpoint comes back with it, and every chain verifies — though the events written since are gone. So each
committed checkpoint is also appended, as one JSON line (id, time, key id, head count, sha256 of its body, MAC, and
the Merkle root), to ``ARCHIVE_WITNESS`` — a file outside the database and outside its backups (docs/backup.md) —
and logged.
:func:`check` compares the database with the newest line: that checkpoint must be there, with the same body.

The line is written after the transaction commits (a rolled-back checkpoint never reaches it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_app_context

logger = logging.getLogger(__name__)

_PENDING = "archive_witness_pending"


def _path() -> Path | None:
    if not has_app_context():
        return None
    configured = current_app.config.get("ARCHIVE_WITNESS") or ""
    return Path(configured) if configured else None


def entry(checkpoint) -> dict:
    """What the witness keeps of a checkpoint: enough to recognise it, not the heads themselves (a Merkle
    checkpoint's root, which its MAC signs, is kept too; a line of the first format has none)."""
    line = {
        "id": checkpoint.id,
        "at": checkpoint.at.isoformat(timespec="microseconds"),
        "key_id": checkpoint.key_id,
        "person_count": checkpoint.person_count,
        "body_sha256": hashlib.sha256(checkpoint.body.encode()).hexdigest(),
        "mac": checkpoint.mac,
    }
    if checkpoint.root is not None:
        line["root"] = checkpoint.root
    return line


def queue(session: so.Session, checkpoint) -> None:
    """Record ``checkpoint`` (flushed) in the witness once ``session`` commits."""
    session.info.setdefault(_PENDING, []).append(entry(checkpoint))


@sa.event.listens_for(so.Session, "after_commit")
def _write_pending(session: so.Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    for line in pending:
        logger.info("archive checkpoint %s", json.dumps(line, sort_keys=True))
    path = _path()
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        for line in pending:
            f.write(json.dumps(line, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


@sa.event.listens_for(so.Session, "after_rollback")
def _drop_pending(session: so.Session) -> None:
    session.info.pop(_PENDING, None)


def latest() -> dict | None:
    """The newest checkpoint the witness holds (a torn last line is skipped), or None without one."""
    path = _path()
    if path is None or not path.exists():
        return None
    newest = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        if isinstance(line, dict) and isinstance(line.get("id"), int):
            newest = line if newest is None or line["id"] > newest["id"] else newest
    return newest


def check(session: so.Session) -> str | None:
    """Why the database does not hold the newest witnessed checkpoint as written, or None when it does."""
    from app.archive.models import ArchiveCheckpoint

    witnessed = latest()
    if witnessed is None:
        return None
    row = session.get(ArchiveCheckpoint, witnessed["id"])
    if row is None:
        newest = session.scalar(sa.select(sa.func.max(ArchiveCheckpoint.id)))
        return (
            f"checkpoint {witnessed['id']} of {witnessed['at']} (UTC) is in the witness log but not in the database "
            f"(its newest is {newest}): restored from a backup older than the last checkpoint, or checkpoints deleted"
        )
    if entry(row) != witnessed:
        return f"checkpoint {witnessed['id']} differs from its copy in the witness log"
    return None
