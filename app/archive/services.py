"""Writing the 一人一档 chain, and what it takes to check one event, head or epoch.

Every service that changes something a person's file should show calls ``record_event`` in the same
transaction, so the change and its archive entry commit or roll back together. Checkpoints live in
``app.archive.checkpoints``, the verification of chains in ``app.archive.verification``.
"""

from __future__ import annotations

import hmac
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.archive.models import ArchiveEpoch, ArchiveEvent, ArchiveHead, ArchiveTampering
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


def event_matches(event, mac=None) -> bool:
    """Does the event's content match its MAC? Events without a key id are tried with every configured key.

    :param mac: ``crypto.chain_macs()``, when checking many events in a row.
    """
    mac = mac or crypto.chain_mac
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
    body = (event.prev_hash + _body(*fields, event.key_id)).encode()
    if event.key_id is not None:
        return hmac.compare_digest(mac(body, event.key_id), event.hash)
    return any(hmac.compare_digest(mac(body, kid), event.hash) for kid in crypto.ring())


def head_mac(person_id: int, seq: int, hash_: str, key_id: str) -> str:
    return crypto.chain_mac(canonical_json({"head": person_id, "seq": seq, "hash": hash_}).encode(), key_id)


def head_ok(head) -> bool:
    try:
        return hmac.compare_digest(head_mac(head.person_id, head.seq, head.hash, head.key_id), head.mac)
    except crypto.UnknownKey:
        return False


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


def epoch_ok(epoch: ArchiveEpoch) -> bool:
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


def timeline(person_id: int, *, enterprise_id: int | None = None) -> list[ArchiveEvent]:
    """A person's events, newest first; for an employer only its own and neutral events."""
    query = sa.select(ArchiveEvent).where(ArchiveEvent.person_id == person_id)
    if enterprise_id is not None:
        query = query.where(sa.or_(ArchiveEvent.enterprise_id.is_(None), ArchiveEvent.enterprise_id == enterprise_id))
    return list(db.session.scalars(query.order_by(ArchiveEvent.seq.desc())))
