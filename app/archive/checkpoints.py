"""Checkpoints: signed Merkle roots over the heads that moved, chained one to the next, with a proof per person.

A checkpoint pins each head that moved forward since the previous checkpoint: one leaf (``app.archive.merkle``)
per such person, the leaves stored as one blob, their root signed under the data key together with the previous
checkpoint's id and root. Its size follows the hour's activity, not the population. ``archive_pins`` remembers,
per person, the checkpoint that last pinned them (signed), so a proof or one person's check reads one row.

Writers (beat hourly, the embedded mode's in-app timer, ``verify-archive``, key rotation) take turns: a PostgreSQL
advisory lock, and ``previous_id`` is unique. Services flush; the task or CLI commits.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.archive import merkle, witness
from app.archive.models import ArchiveCheckpoint, ArchiveHead, ArchivePin
from app.archive.services import canonical_json
from app.core import crypto
from app.core.db import dialect_name, insert_on_conflict, utcnow
from app.extensions import db

#: A head is looked for in the next checkpoint when it moved at most this long before the previous one: a
#: transaction that flushed its head before that checkpoint read the heads, and committed after, is not missed.
SETTLE = timedelta(minutes=15)
_WRITER_LOCK = 0x414E5045  # pg_advisory_xact_lock key: one checkpoint writer at a time
_PIN_BATCH = 1000


def checkpoint_mac(checkpoint) -> str:
    """The MAC of a checkpoint row (ORM object or row) in its format."""
    at = checkpoint.at.isoformat(timespec="microseconds")
    if checkpoint.root is None:  # the first format: every head in the body
        return crypto.chain_mac(f"checkpoint|{at}|{checkpoint.body}".encode(), checkpoint.key_id)
    fields = (at, checkpoint.root, checkpoint.person_count, checkpoint.previous_id, checkpoint.previous_root)
    text = "checkpoint2|" + "|".join(str(f) for f in fields) + f"|{checkpoint.body}"
    return crypto.chain_mac(text.encode(), checkpoint.key_id)


def checkpoint_ok(checkpoint) -> bool:
    try:
        return hmac.compare_digest(checkpoint_mac(checkpoint), checkpoint.mac)
    except crypto.UnknownKey:
        return False


def seal(checkpoint) -> str:
    """What the next checkpoint names as its previous root: the root, or the MAC for the first format."""
    return checkpoint.root or checkpoint.mac


def retired_of(checkpoint) -> set[str]:
    return set(json.loads(checkpoint.body).get("retired_keys", []))


def pin_mac(person_id: int, checkpoint_id: int, seq: int, hash_: str, key_id: str) -> str:
    body = canonical_json({"pin": person_id, "checkpoint": checkpoint_id, "seq": seq, "hash": hash_})
    return crypto.chain_mac(body.encode(), key_id)


def pin_ok(pin) -> bool:
    try:
        return hmac.compare_digest(pin_mac(pin.person_id, pin.checkpoint_id, pin.seq, pin.hash, pin.key_id), pin.mac)
    except crypto.UnknownKey:
        return False


def latest_checkpoint() -> ArchiveCheckpoint | None:
    return db.session.scalars(sa.select(ArchiveCheckpoint).order_by(ArchiveCheckpoint.id.desc()).limit(1)).first()


def write_checkpoint(*, retired_keys: tuple[str, ...] = (), now: datetime | None = None) -> ArchiveCheckpoint:
    """Pin every head that moved forward since the previous checkpoint under a signed Merkle root (flushes).

    A head behind its pin (a tail cut and an older head written back) is not pinned again: verification reports it.

    :param retired_keys: key ids taken out of service (key rotation); carried forward by later checkpoints.
    """
    if dialect_name(db.session) == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_WRITER_LOCK)))
    previous = latest_checkpoint()
    retired = set(retired_keys) | (retired_of(previous) if previous else set())
    retired.discard(crypto.current_kid())
    leaves = _moved_heads(previous)
    at, kid = now or utcnow(), crypto.current_kid()
    checkpoint = ArchiveCheckpoint(
        at=at,
        key_id=kid,
        person_count=len(leaves),
        body=canonical_json({"retired_keys": sorted(retired)}),
        root=merkle.root([merkle.leaf_hash(leaf) for leaf in leaves]),
        previous_id=previous.id if previous else None,
        previous_root=seal(previous) if previous else None,
        leaves=b"".join(merkle.pack(leaf) for leaf in leaves),
    )
    checkpoint.mac = checkpoint_mac(checkpoint)
    db.session.add(checkpoint)
    db.session.flush()
    _pin(checkpoint.id, leaves, kid)
    witness.queue(db.session(), checkpoint)  # its copy outside the database, once committed
    return checkpoint


def _moved_heads(previous: ArchiveCheckpoint | None) -> list[merkle.Leaf]:
    heads, pins = ArchiveHead.__table__, ArchivePin.__table__
    query = (
        sa.select(heads.c.person_id, heads.c.seq, pins.c.seq, heads.c.hash)
        .select_from(heads.outerjoin(pins, pins.c.person_id == heads.c.person_id))
        .where(sa.or_(pins.c.seq.is_(None), heads.c.seq > pins.c.seq))
        .order_by(heads.c.person_id)
    )
    if previous is not None and previous.root is not None:  # before the first Merkle checkpoint: every head
        query = query.where(heads.c.updated_at >= previous.at - SETTLE)
    return [merkle.Leaf(pid, seq, since or 0, hash_) for pid, seq, since, hash_ in db.session.execute(query)]


def _pin(checkpoint_id: int, leaves: list[merkle.Leaf], kid: str) -> None:
    pins = ArchivePin.__table__
    stmt = insert_on_conflict(db.session, pins)
    stmt = stmt.on_conflict_do_update(
        index_elements=[pins.c.person_id],
        set_={name: stmt.excluded[name] for name in ("checkpoint_id", "seq", "hash", "key_id", "mac")},
    )
    rows = [
        {
            "person_id": leaf.person_id,
            "checkpoint_id": checkpoint_id,
            "seq": leaf.seq,
            "hash": leaf.hash,
            "key_id": kid,
            "mac": pin_mac(leaf.person_id, checkpoint_id, leaf.seq, leaf.hash, kid),
        }
        for leaf in leaves
    ]
    for start in range(0, len(rows), _PIN_BATCH):
        db.session.execute(stmt, rows[start : start + _PIN_BATCH])


def unpinned_since() -> datetime | None:
    """Since when the archive has gone without a checkpoint: the latest checkpoint's time, or — when there is none —
    the oldest head's last change (a file nobody has pinned yet). None for an empty archive with no checkpoint."""
    checkpoint = latest_checkpoint()
    if checkpoint is not None:
        return checkpoint.at
    return db.session.scalar(sa.select(sa.func.min(ArchiveHead.updated_at)))


def checkpoint_overdue(max_age: timedelta, now: datetime | None = None) -> timedelta | None:
    """How long the archive has gone unpinned, when that is longer than ``max_age``; None when it is in time."""
    since = unpinned_since()
    if since is None:
        return None
    age = (now or utcnow()) - since
    return age if age > max_age else None


# ---------------------------------------------------------------- proofs


@dataclass(frozen=True)
class Proof:
    """That a person's head was pinned: their leaf, its place in the checkpoint's tree, and the path to the root."""

    checkpoint_id: int
    root: str
    index: int
    leaf_count: int
    leaf: merkle.Leaf
    siblings: list[str]


def proof_for(person_id: int) -> Proof | None:
    """The proof of the person's latest pin, or None when no Merkle checkpoint pins them (or theirs is not signed)."""
    pin = db.session.get(ArchivePin, person_id)
    if pin is None:
        return None
    checkpoint = db.session.get(ArchiveCheckpoint, pin.checkpoint_id)
    if checkpoint is None or checkpoint.root is None or not checkpoint_ok(checkpoint):
        return None
    index = merkle.find(checkpoint.leaves, person_id)
    if index is None:
        return None
    leaves = list(merkle.leaves(checkpoint.leaves))
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    return Proof(checkpoint.id, checkpoint.root, index, len(leaves), leaves[index], merkle.proof(hashes, index))


def verify_proof(proof: Proof, seq: int, hash_: str) -> bool:
    """Does ``proof`` show the person's head at (``seq``, ``hash_``) under its checkpoint's signed root?"""
    return merkle.verify(
        proof.leaf._replace(seq=seq, hash=hash_), proof.index, proof.leaf_count, proof.siblings, proof.root
    )
