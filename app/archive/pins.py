"""What the checkpoints pinned of each chain, read back for verification: every checkpoint signed and continuing
the one before (:func:`pinned_by_checkpoints`, the Merkle leaves of each, or the latest checkpoint of the first
format), a person's signed pin (:func:`signed_pins`, ``archive_pins``) and the key ids retired by then.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.archive import merkle
from app.archive.chain_check import ChainBreak, Pin
from app.archive.checkpoints import checkpoint_ok, latest_checkpoint, pin_ok, retired_of, seal
from app.archive.models import ArchiveCheckpoint, ArchivePin
from app.extensions import db


def checkpoint_rows(where) -> list:
    """Checkpoints without their leaves, and without the body of the first format (every head: large)."""
    t = ArchiveCheckpoint.__table__
    body = sa.case((t.c.root.is_(None), sa.null()), else_=t.c.body).label("body")
    columns = (t.c.id, t.c.at, t.c.key_id, t.c.person_count, t.c.mac, t.c.root, t.c.previous_id, t.c.previous_root)
    return db.session.execute(sa.select(*columns, body).where(where).order_by(t.c.id)).all()


def leaves_of(checkpoint_id: int) -> list[merkle.Leaf]:
    blob = db.session.scalar(sa.select(ArchiveCheckpoint.leaves).where(ArchiveCheckpoint.id == checkpoint_id))
    return list(merkle.leaves(blob or b""))


def continues(row, prior, breaks: list[ChainBreak]) -> bool:
    """Is a Merkle checkpoint signed and does it continue ``prior`` (the checkpoint before it, or None)?"""
    if not checkpoint_ok(row):
        breaks.append(ChainBreak(None, None, None, f"checkpoint {row.id} signature invalid"))
        return False
    if (row.previous_id, row.previous_root) != ((prior.id, seal(prior)) if prior else (None, None)):
        named = prior.id if prior else "none"
        breaks.append(ChainBreak(None, None, None, f"checkpoint {row.id} does not continue checkpoint {named}"))
    return True


def pinned_by_checkpoints(breaks: list[ChainBreak]) -> tuple[dict[int, Pin], set[str]]:
    """Each person's latest pin over every checkpoint, and the retired key ids; bad checkpoints reported."""
    rows = checkpoint_rows(sa.true())
    first_format = [r.id for r in rows if r.root is None]
    pins: dict[int, Pin] = {}
    retired: set[str] = set()
    prior = None
    for row in rows:
        if row.root is None:  # of the first format, only the latest counts (it listed every head)
            if row.id == first_format[-1]:
                pins, retired = _first_format(db.session.get(ArchiveCheckpoint, row.id), breaks)
        elif continues(row, prior, breaks):
            for leaf in leaves_of(row.id):
                pins[leaf.person_id] = Pin(leaf.seq, leaf.hash, row.id)
            retired = retired_of(row)
        prior = row
    return pins, retired


def _first_format(checkpoint: ArchiveCheckpoint, breaks: list[ChainBreak]) -> tuple[dict[int, Pin], set[str]]:
    if not checkpoint_ok(checkpoint):
        breaks.append(ChainBreak(None, None, None, f"checkpoint {checkpoint.id} signature invalid"))
        return {}, set()
    body = json.loads(checkpoint.body)
    pins = {int(pid): Pin(seq, hash_, checkpoint.id) for pid, (seq, hash_) in body["heads"].items()}
    return pins, set(body.get("retired_keys", []))


def first_format_pins(person_id: int) -> dict[int, Pin]:
    """One person's pin while the latest checkpoint is still of the first format (before any Merkle checkpoint)."""
    latest = latest_checkpoint()
    if latest is None or latest.root is not None:
        return {}
    pins, _retired = _first_format(latest, [])
    return {person_id: pins[person_id]} if person_id in pins else {}


def latest_retired(breaks: list[ChainBreak]) -> set[str]:
    latest = latest_checkpoint()
    if latest is None:
        return set()
    if not checkpoint_ok(latest):
        breaks.append(ChainBreak(None, None, None, f"checkpoint {latest.id} signature invalid"))
        return set()
    return retired_of(latest)


def signed_pins(person_ids, retired: set[str], breaks: list[ChainBreak]) -> dict[int, Pin]:
    found = {}
    for pin in db.session.scalars(sa.select(ArchivePin).where(ArchivePin.person_id.in_(person_ids))):
        if pin.key_id in retired or not pin_ok(pin):
            breaks.append(ChainBreak(None, pin.person_id, pin.seq, "pin signature invalid"))
        else:
            found[pin.person_id] = Pin(pin.seq, pin.hash, pin.checkpoint_id)
    return found
