"""Purging the start of a person's file past retention, sealed under an epoch (``ArchiveEpoch``).

The archive only knows *how* to purge: which events have passed their retention is the rule of the layers above
(``app.records.retention``), which hand in a ``keep_until(kind, at)``. Only a prefix of a chain is ever purged —
the oldest events, up to the first one still kept — so what is left is one unbroken chain that starts at the epoch.
Services flush; the task commits.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from app.archive.models import ArchiveEpoch, ArchiveEvent, ArchiveTampering
from app.archive.services import canonical_json, epoch_mac, epochs_of
from app.core import crypto
from app.core.db import utcnow
from app.extensions import db

KeepUntil = Callable[[str, datetime], "datetime | None"]


def expired_prefix(person_id: int, keep_until: KeepUntil, now: datetime) -> int:
    """The seq of the last event of the person's oldest run of events that are all past retention (0: none).

    :param keep_until: ``(kind, at) -> datetime`` until which an event is kept; None keeps it for good.
    """
    through = 0
    rows = db.session.execute(
        sa.select(ArchiveEvent.seq, ArchiveEvent.kind, ArchiveEvent.at)
        .where(ArchiveEvent.person_id == person_id)
        .order_by(ArchiveEvent.seq)
        .execution_options(yield_per=500)  # most files stop at their first event: do not fetch the rest
    )
    for seq, kind, at in rows:
        until = keep_until(kind, at)
        if until is None or until > now:
            break
        through = seq
    rows.close()
    return through


def seal_and_purge(person_id: int, through_seq: int, *, run_id: int | None = None) -> ArchiveEpoch:
    """Seal the person's events up to ``through_seq`` under a new epoch, then delete them (flushes).

    The epoch records the purged kinds with their counts, their time range and the last purged hash, signed; the
    database lets an event be deleted only once an epoch covers it (migration 0701).

    :raises ArchiveTampering: when the events to seal are not one unbroken run after the previous epoch.
    """
    previous = epochs_of(person_id).get(person_id, [])
    from_seq = previous[-1].through_seq + 1 if previous else 1
    rows = db.session.execute(
        sa.select(ArchiveEvent.seq, ArchiveEvent.kind, ArchiveEvent.at, ArchiveEvent.hash)
        .where(ArchiveEvent.person_id == person_id, ArchiveEvent.seq.between(from_seq, through_seq))
        .order_by(ArchiveEvent.seq)
    ).all()
    if not rows or [r.seq for r in rows] != list(range(from_seq, through_seq + 1)):
        raise ArchiveTampering(f"person {person_id}: events {from_seq}..{through_seq} are not all there to seal")
    kinds = Counter(r.kind for r in rows)
    epoch = ArchiveEpoch(
        person_id=person_id,
        from_seq=from_seq,
        through_seq=through_seq,
        through_hash=rows[-1].hash,
        kinds=canonical_json(dict(sorted(kinds.items()))),
        count=len(rows),
        first_at=min(r.at for r in rows),
        last_at=max(r.at for r in rows),
        run_id=run_id,
        at=utcnow(),
        key_id=crypto.current_kid(),
    )
    epoch.mac = epoch_mac(epoch)
    db.session.add(epoch)
    db.session.flush()
    events = ArchiveEvent.__table__
    db.session.execute(
        sa.delete(events).where(events.c.person_id == person_id, events.c.seq <= through_seq),
        execution_options={"synchronize_session": False},
    )
    return epoch


def kinds_of(epoch: ArchiveEpoch) -> dict[str, int]:
    return json.loads(epoch.kinds)
