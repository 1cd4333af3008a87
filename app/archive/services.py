"""Writing and verifying the 一人一档 chain.

Every service that changes something a person's file should show calls ``record_event`` in the same
transaction, so the change and its archive entry commit or roll back together.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.archive import witness
from app.archive.models import ArchiveCheckpoint, ArchiveEpoch, ArchiveEvent, ArchiveHead, ArchiveTampering
from app.core import crypto
from app.core.db import utcnow
from app.extensions import db

GENESIS = "0" * 64


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _body(
    person_id: int,
    seq: int,
    kind: str,
    payload: str,
    enterprise_id: int | None,
    actor_id: int | None,
    actor_label: str,
    at: datetime,
    key_id: str | None,
) -> str:
    fields = {
        "person": person_id,
        "seq": seq,
        "kind": kind,
        "payload": payload,
        "enterprise": enterprise_id,
        "actor": actor_id,
        "actor_label": actor_label,
        "at": at.isoformat(timespec="microseconds"),
    }
    if key_id is not None:  # events from before key ids were hashed without it
        fields["key"] = key_id
    return canonical_json(fields)


def _digest(prev_hash: str, *fields, key_id: str | None) -> str:
    return crypto.chain_mac((prev_hash + _body(*fields, key_id)).encode(), key_id)


def _event_matches(event: ArchiveEvent) -> bool:
    """Does the event's content match its MAC? Events without a key id are tried with every configured key."""
    fields = (
        event.person_id,
        event.seq,
        event.kind,
        event.payload,
        event.enterprise_id,
        event.actor_id,
        event.actor_label,
        event.at,
    )
    if event.key_id is not None:
        return hmac.compare_digest(_digest(event.prev_hash, *fields, key_id=event.key_id), event.hash)
    body = (event.prev_hash + _body(*fields, None)).encode()
    return any(hmac.compare_digest(crypto.chain_mac(body, kid), event.hash) for kid in crypto.ring())


def head_mac(person_id: int, seq: int, hash_: str, key_id: str) -> str:
    return crypto.chain_mac(canonical_json({"head": person_id, "seq": seq, "hash": hash_}).encode(), key_id)


def record_event(
    person_id: int,
    kind: str,
    payload: dict,
    *,
    actor=None,
    enterprise_id: int | None = None,
    at: datetime | None = None,
) -> ArchiveEvent:
    """Append one event to a person's file and move the file's head to it (flushes; the caller commits).

    :param person_id: the person whose file gets the event (must already be flushed).
    :param kind: a dotted name such as ``person.registered`` or ``employment.ended``.
    :param payload: JSON-able facts; never put an ID number in clear here.
    :param actor: the ``User`` who caused it, or None for the system (CLI, Celery).
    :raises ArchiveTampering: when the head is not where the chain ends (someone removed events).
    """
    last = db.session.execute(
        sa.select(ArchiveEvent.seq, ArchiveEvent.hash)
        .where(ArchiveEvent.person_id == person_id)
        .order_by(ArchiveEvent.seq.desc())
        .limit(1)
    ).first()
    if last is None:  # a new file, or one whose every event was purged under an epoch: go on from its head
        last = db.session.execute(
            sa.select(ArchiveHead.seq, ArchiveHead.hash).where(ArchiveHead.person_id == person_id)
        ).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS)
    at = at or utcnow()
    actor_id = actor.id if actor is not None else None
    actor_label = actor.label if actor is not None else "system"
    body = canonical_json(payload)
    kid = crypto.current_kid()
    event = ArchiveEvent(
        person_id=person_id,
        seq=seq,
        kind=kind,
        payload=body,
        enterprise_id=enterprise_id,
        actor_id=actor_id,
        actor_label=actor_label,
        at=at,
        prev_hash=prev_hash,
        key_id=kid,
        hash=_digest(prev_hash, person_id, seq, kind, body, enterprise_id, actor_id, actor_label, at, key_id=kid),
    )
    db.session.add(event)
    db.session.flush()
    _advance_head(person_id, seq, event.hash, kid)
    return event


def _advance_head(person_id: int, seq: int, hash_: str, kid: str) -> None:
    """Move the head from ``seq - 1`` to ``seq`` in one conditional statement (or create it at seq 1)."""
    heads = ArchiveHead.__table__
    values = {
        "seq": seq,
        "hash": hash_,
        "key_id": kid,
        "mac": head_mac(person_id, seq, hash_, kid),
        "updated_at": utcnow(),
    }
    if seq == 1:
        db.session.execute(sa.insert(heads).values(person_id=person_id, **values))
        return
    moved = db.session.execute(
        sa.update(heads).where(heads.c.person_id == person_id, heads.c.seq == seq - 1).values(**values)
    )
    if moved.rowcount != 1:
        raise ArchiveTampering(f"archive head of person {person_id} is not at seq {seq - 1}")


def write_checkpoint(*, retired_keys: tuple[str, ...] = (), now: datetime | None = None) -> ArchiveCheckpoint:
    """Sign a snapshot of every head under the current key (flushes; the task or CLI commits).

    :param retired_keys: key ids taken out of service (key rotation); carried forward by later checkpoints.
    """
    heads = ArchiveHead.__table__
    previous = latest_checkpoint()
    retired = set(retired_keys) | (set(_checkpoint_body(previous)["retired_keys"]) if previous else set())
    retired.discard(crypto.current_kid())
    snapshot = {
        str(pid): [seq, hash_]
        for pid, seq, hash_ in db.session.execute(
            sa.select(heads.c.person_id, heads.c.seq, heads.c.hash).order_by(heads.c.person_id)
        )
    }
    body = canonical_json({"heads": snapshot, "retired_keys": sorted(retired)})
    at, kid = now or utcnow(), crypto.current_kid()
    checkpoint = ArchiveCheckpoint(
        at=at, key_id=kid, person_count=len(snapshot), body=body, mac=_checkpoint_mac(at, body, kid)
    )
    db.session.add(checkpoint)
    db.session.flush()
    witness.queue(db.session(), checkpoint)  # its copy outside the database, once committed
    return checkpoint


def _checkpoint_mac(at: datetime, body: str, kid: str) -> str:
    return crypto.chain_mac(f"checkpoint|{at.isoformat(timespec='microseconds')}|{body}".encode(), kid)


def _checkpoint_body(checkpoint: ArchiveCheckpoint) -> dict:
    return json.loads(checkpoint.body)


def latest_checkpoint() -> ArchiveCheckpoint | None:
    return db.session.scalars(sa.select(ArchiveCheckpoint).order_by(ArchiveCheckpoint.id.desc()).limit(1)).first()


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


# ---------------------------------------------------------------- epochs (purges past retention)


def _epoch_body(epoch: ArchiveEpoch) -> bytes:
    return canonical_json(
        {
            "epoch": epoch.person_id,
            "from": epoch.from_seq,
            "through": epoch.through_seq,
            "hash": epoch.through_hash,
            "kinds": epoch.kinds,
            "count": epoch.count,
            "first_at": epoch.first_at.isoformat(timespec="microseconds"),
            "last_at": epoch.last_at.isoformat(timespec="microseconds"),
            "run": epoch.run_id,
            "at": epoch.at.isoformat(timespec="microseconds"),
        }
    ).encode()


def epoch_mac(epoch: ArchiveEpoch) -> str:
    return crypto.chain_mac(_epoch_body(epoch), epoch.key_id)


def _epoch_ok(epoch: ArchiveEpoch) -> bool:
    try:
        return hmac.compare_digest(epoch_mac(epoch), epoch.mac)
    except crypto.UnknownKey:
        return False


def epochs_of(person_id: int | None = None) -> dict[int, list[ArchiveEpoch]]:
    """Every person's epochs (or one person's), oldest first."""
    query = sa.select(ArchiveEpoch).order_by(ArchiveEpoch.person_id, ArchiveEpoch.through_seq)
    if person_id is not None:
        query = query.where(ArchiveEpoch.person_id == person_id)
    found: dict[int, list[ArchiveEpoch]] = {}
    for epoch in db.session.scalars(query):
        found.setdefault(epoch.person_id, []).append(epoch)
    return found


def _chain_starts(person_id: int | None, breaks: list) -> dict[int, tuple[int, str]]:
    """Where each purged chain starts now: (first seq expected, prev_hash expected) after its last epoch.

    Each epoch must be signed and continue the one before it (``from_seq`` = previous ``through_seq + 1``); a
    person whose epochs do not verify is reported and verified from the genesis, so the purged events show as a gap.
    """
    starts = {}
    for pid, epochs in epochs_of(person_id).items():
        expected_from, bad = 1, None
        for epoch in epochs:
            if not _epoch_ok(epoch):
                bad = f"epoch {epoch.id} (through seq {epoch.through_seq}) signature invalid"
            elif epoch.from_seq != expected_from or epoch.through_seq < epoch.from_seq:
                bad = f"epoch {epoch.id} does not continue the previous one (from seq {epoch.from_seq})"
            if bad:
                breaks.append(ChainBreak(None, pid, epoch.through_seq, bad))
                break
            expected_from = epoch.through_seq + 1
        else:
            starts[pid] = (epochs[-1].through_seq + 1, epochs[-1].through_hash)
    return starts


@dataclass(frozen=True)
class ChainBreak:
    event_id: int | None
    person_id: int | None
    seq: int | None
    reason: str


def verify_chain(person_id: int | None = None) -> tuple[int, list[ChainBreak]]:
    """Recompute every chain (or one person's) and check it against its head and the latest checkpoint.

    Reports the first break of each broken chain, a chain shorter than its head (tail events deleted), a head
    without events (whole chain deleted), a chain without a head, a head that is not signed by a key in service,
    and anything the latest signed checkpoint lists that is no longer there. Checking every chain also compares
    the database with the checkpoint copy kept outside it (``app.archive.witness``): a database restored from a
    backup older than the last checkpoint is reported.

    :return: (number of events checked, list of breaks; empty when intact).
    """
    breaks: list[ChainBreak] = []
    if person_id is None and (restored := witness.check(db.session())):
        breaks.append(ChainBreak(None, None, None, restored))
    checkpoint, pinned, retired = _checkpoint_for(person_id, breaks)
    starts = _chain_starts(person_id, breaks)
    query = sa.select(ArchiveEvent).order_by(ArchiveEvent.person_id, ArchiveEvent.seq)
    if person_id is not None:
        query = query.where(ArchiveEvent.person_id == person_id)
    checked = 0
    ends: dict[int, tuple[int, str]] = {}
    found: dict[int, str] = {}  # person → hash at the checkpoint's seq
    current_person, broken, renewed = None, False, False
    for event in db.session.scalars(query).yield_per(1000):
        checked += 1
        if event.person_id != current_person:
            expected_seq, prev_hash = starts.get(event.person_id, (1, GENESIS))
            current_person, broken, renewed = event.person_id, False, False
        ends[event.person_id] = (event.seq, event.hash)
        if pinned.get(event.person_id, (None,))[0] == event.seq:
            found[event.person_id] = event.hash
        if broken:
            continue
        reason = None
        if event.seq != expected_seq:
            reason = f"sequence gap: expected {expected_seq}, found {event.seq}"
        elif event.prev_hash != prev_hash:
            reason = "prev_hash does not match the previous event"
        elif event.key_id is not None and event.key_id not in crypto.ring():
            reason = f"signed with key id {event.key_id}, which is not configured (ANPEI_DATA_KEY_OLD?)"
        elif renewed and event.key_id in retired:
            reason = f"signed with retired key {event.key_id} after the key rotation"
        elif not _event_matches(event):
            reason = "content does not match its hash (edited after writing)"
        if reason:
            breaks.append(ChainBreak(event.id, event.person_id, event.seq, reason))
            broken = True
        renewed = renewed or (event.key_id is not None and event.key_id not in retired)
        prev_hash, expected_seq = event.hash, expected_seq + 1
    breaks += _check_heads(person_id, ends, retired, starts)
    for pid, (seq, hash_) in pinned.items():
        start = starts.get(pid)
        # purged under an epoch since the checkpoint (the last purged event's hash is the epoch's)
        if start is not None and seq < start[0] and (seq != start[0] - 1 or start[1] == hash_):
            continue
        if found.get(pid) != hash_:
            what = "missing" if pid not in found else "different"
            breaks.append(
                ChainBreak(None, pid, seq, f"checkpoint {checkpoint.id} lists seq {seq}, now {what} (events deleted?)")
            )
    return checked, breaks


def _checkpoint_for(person_id, breaks) -> tuple[ArchiveCheckpoint | None, dict[int, tuple[int, str]], set[str]]:
    checkpoint = latest_checkpoint()
    if checkpoint is None:
        return None, {}, set()
    body = _checkpoint_body(checkpoint)
    try:
        valid = hmac.compare_digest(_checkpoint_mac(checkpoint.at, checkpoint.body, checkpoint.key_id), checkpoint.mac)
    except crypto.UnknownKey:
        valid = False
    if not valid:
        breaks.append(ChainBreak(None, None, None, f"checkpoint {checkpoint.id} signature invalid"))
        return checkpoint, {}, set()
    pinned = {int(pid): (seq, hash_) for pid, (seq, hash_) in body["heads"].items()}
    if person_id is not None:
        pinned = {pid: v for pid, v in pinned.items() if pid == person_id}
    return checkpoint, pinned, set(body.get("retired_keys", []))


def _check_heads(
    person_id, ends: dict[int, tuple[int, str]], retired: set[str], starts: dict[int, tuple[int, str]]
) -> list[ChainBreak]:
    breaks = []
    query = sa.select(ArchiveHead)
    if person_id is not None:
        query = query.where(ArchiveHead.person_id == person_id)
    seen = set()
    for head in db.session.scalars(query):
        seen.add(head.person_id)
        end = ends.get(head.person_id)
        if end is None and head.person_id in starts:  # every event purged: the epoch is where the chain ends
            end = (starts[head.person_id][0] - 1, starts[head.person_id][1])
        reason = None
        if end is None:
            reason = f"whole chain deleted: the head is at seq {head.seq} but no event is left"
        elif end[0] < head.seq:
            reason = f"last events deleted: the head is at seq {head.seq}, the chain ends at seq {end[0]}"
        elif end != (head.seq, head.hash):
            reason = f"head (seq {head.seq}) does not match the chain's last event (seq {end[0]})"
        elif head.mac is not None and (head.key_id in retired or not _head_ok(head)):
            reason = "head signature invalid"
        if reason:
            breaks.append(ChainBreak(None, head.person_id, head.seq, reason))
    for pid, (seq, _hash) in ends.items():
        if pid not in seen:
            breaks.append(ChainBreak(None, pid, seq, "no head for this chain (head deleted)"))
    return breaks


def _head_ok(head: ArchiveHead) -> bool:
    try:
        return hmac.compare_digest(head_mac(head.person_id, head.seq, head.hash, head.key_id), head.mac)
    except crypto.UnknownKey:
        return False


def timeline(person_id: int, *, enterprise_id: int | None = None) -> list[ArchiveEvent]:
    """A person's events, newest first; for an employer only its own and neutral events."""
    query = sa.select(ArchiveEvent).where(ArchiveEvent.person_id == person_id)
    if enterprise_id is not None:
        query = query.where(sa.or_(ArchiveEvent.enterprise_id.is_(None), ArchiveEvent.enterprise_id == enterprise_id))
    return list(db.session.scalars(query.order_by(ArchiveEvent.seq.desc())))
