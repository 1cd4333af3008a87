"""Writing and verifying the 一人一档 chain.

Every service that changes something a person's file should show calls ``record_event`` in the same
transaction, so the change and its archive entry commit or roll back together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.core import crypto
from app.core.db import utcnow
from app.extensions import db

GENESIS = "0" * 64


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _digest(
    prev_hash: str,
    person_id: int,
    seq: int,
    kind: str,
    payload: str,
    enterprise_id: int | None,
    actor_id: int | None,
    actor_label: str,
    at: datetime,
) -> str:
    body = canonical_json(
        {
            "person": person_id,
            "seq": seq,
            "kind": kind,
            "payload": payload,
            "enterprise": enterprise_id,
            "actor": actor_id,
            "actor_label": actor_label,
            "at": at.isoformat(timespec="microseconds"),
        }
    )
    return crypto.chain_mac((prev_hash + body).encode())


def record_event(
    person_id: int,
    kind: str,
    payload: dict,
    *,
    actor=None,
    enterprise_id: int | None = None,
    at: datetime | None = None,
) -> ArchiveEvent:
    """Append one event to a person's file (flushes; the caller's boundary commits).

    :param person_id: the person whose file gets the event (must already be flushed).
    :param kind: a dotted name such as ``person.registered`` or ``employment.ended``.
    :param payload: JSON-able facts; never put an ID number in clear here.
    :param actor: the ``User`` who caused it, or None for the system (CLI, Celery).
    """
    last = db.session.execute(
        sa.select(ArchiveEvent.seq, ArchiveEvent.hash)
        .where(ArchiveEvent.person_id == person_id)
        .order_by(ArchiveEvent.seq.desc())
        .limit(1)
    ).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS)
    at = at or utcnow()
    actor_id = actor.id if actor is not None else None
    actor_label = actor.label if actor is not None else "system"
    body = canonical_json(payload)
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
        hash=_digest(prev_hash, person_id, seq, kind, body, enterprise_id, actor_id, actor_label, at),
    )
    db.session.add(event)
    db.session.flush()
    return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    person_id: int
    seq: int
    reason: str


def verify_chain(person_id: int | None = None) -> tuple[int, list[ChainBreak]]:
    """Recompute every chain (or one person's) and report the first break of each broken chain.

    :return: (number of events checked, list of breaks; empty when intact).
    """
    query = sa.select(ArchiveEvent).order_by(ArchiveEvent.person_id, ArchiveEvent.seq)
    if person_id is not None:
        query = query.where(ArchiveEvent.person_id == person_id)
    checked = 0
    breaks: list[ChainBreak] = []
    current_person, prev_hash, expected_seq, broken = None, GENESIS, 1, False
    for event in db.session.scalars(query).yield_per(1000):
        checked += 1
        if event.person_id != current_person:
            current_person, prev_hash, expected_seq, broken = event.person_id, GENESIS, 1, False
        if broken:
            continue
        reason = None
        if event.seq != expected_seq:
            reason = f"sequence gap: expected {expected_seq}, found {event.seq}"
        elif event.prev_hash != prev_hash:
            reason = "prev_hash does not match the previous event"
        else:
            digest = _digest(
                event.prev_hash,
                event.person_id,
                event.seq,
                event.kind,
                event.payload,
                event.enterprise_id,
                event.actor_id,
                event.actor_label,
                event.at,
            )
            if digest != event.hash:
                reason = "content does not match its hash (edited after writing)"
        if reason:
            breaks.append(ChainBreak(event.id, event.person_id, event.seq, reason))
            broken = True
        prev_hash, expected_seq = event.hash, expected_seq + 1
    return checked, breaks


def timeline(person_id: int, *, enterprise_id: int | None = None) -> list[ArchiveEvent]:
    """A person's events, newest first; for an employer only its own and neutral events."""
    query = sa.select(ArchiveEvent).where(ArchiveEvent.person_id == person_id)
    if enterprise_id is not None:
        query = query.where(sa.or_(ArchiveEvent.enterprise_id.is_(None), ArchiveEvent.enterprise_id == enterprise_id))
    return list(db.session.scalars(query.order_by(ArchiveEvent.seq.desc())))
