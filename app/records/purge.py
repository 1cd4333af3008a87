"""The purge job: persons in keyset batches, each batch one transaction; legal holds skip a person entirely.

Per person: the oldest 一人一档 events past retention are sealed under an epoch and deleted
(``app.archive.epochs``); 人像抓拍 rows past retention, or whose consent was withdrawn with nothing depending on
them, are deleted, and their image files after the batch commits (a file is never gone while its row could still
roll back). The run's counters move in SQL after each batch.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from app.archive.epochs import expired_prefix, kinds_of, seal_and_purge
from app.core.db import utcnow
from app.core.storage import storage
from app.extensions import db
from app.people.models import Employment, Person, Snapshot, SnapshotConsent
from app.records.models import LegalHold, PurgeRun
from app.records.retention import KEYS, event_keeper, snapshot_kept_until, tracks_of
from app.rules.queries import rule_book

logger = logging.getLogger(__name__)

BATCH = 200
#: Held persons named in a run's report at most (the count is always complete).
HELD_LISTED = 500


def held_person_ids(person_ids: list[int]) -> set[int]:
    """Those of ``person_ids`` under an active legal hold: their own, or one on an enterprise that employs or
    employed them."""
    active = LegalHold.released_at.is_(None)
    own = sa.select(LegalHold.person_id).where(active, LegalHold.person_id.in_(person_ids))
    by_enterprise = (
        sa.select(Employment.person_id)
        .join(LegalHold, sa.and_(LegalHold.enterprise_id == Employment.enterprise_id, active))
        .where(Employment.person_id.in_(person_ids))
    )
    return set(db.session.scalars(sa.union(own, by_enterprise)))


def _withdrawn_condition():
    """The person's latest answer for the snapshot's class or sitting is a refusal given after the picture."""
    return sa.exists().where(
        SnapshotConsent.person_id == Snapshot.person_id,
        SnapshotConsent.context == Snapshot.context,
        SnapshotConsent.ref_id == Snapshot.ref_id,
        SnapshotConsent.granted.is_(False),
        SnapshotConsent.at > Snapshot.taken_at,
    )


def _expired_snapshots(book, person_ids: list[int], now: datetime) -> list[tuple[int, int, str, str]]:
    """(id, person, storage key, kind label) of the batch's snapshots that may go."""
    rows = db.session.execute(
        sa.select(
            Snapshot.id,
            Snapshot.person_id,
            Snapshot.storage_key,
            Snapshot.context,
            Snapshot.taken_at,
            Snapshot.needs_review,
            Snapshot.credit_held,
            _withdrawn_condition().label("withdrawn"),
        ).where(Snapshot.person_id.in_(person_ids))
    )
    expired = []
    for sid, pid, key, context, taken_at, needs_review, credit_held, withdrawn in rows:
        if needs_review or credit_held:  # an open 复核, or credit held on it: something still depends on it
            continue
        if withdrawn or snapshot_kept_until(book, context, taken_at) <= now:
            expired.append((sid, pid, key, f"snapshot.{context.value}"))
    return expired


def _purge_batch(book, run_id: int, person_ids: list[int], now: datetime) -> tuple[Counter, set[int], list[str]]:
    held = held_person_ids(person_ids)
    free = [pid for pid in person_ids if pid not in held]
    kinds: Counter = Counter()
    purged_persons = set()
    tracks = tracks_of(free)
    for pid in free:
        through = expired_prefix(pid, event_keeper(book, tracks[pid]), now)
        if through:
            kinds.update(kinds_of(seal_and_purge(pid, through, run_id=run_id)))
            purged_persons.add(pid)
    events = sum(kinds.values())
    snapshots = _expired_snapshots(book, free, now) if free else []
    if snapshots:
        table = Snapshot.__table__
        db.session.execute(sa.delete(table).where(table.c.id.in_([row[0] for row in snapshots])))
        kinds.update(label for _sid, _pid, _key, label in snapshots)
        purged_persons.update(pid for _sid, pid, _key, _label in snapshots)
    runs = PurgeRun.__table__
    db.session.execute(
        sa.update(runs)
        .where(runs.c.id == run_id)
        .values(
            persons_purged=runs.c.persons_purged + len(purged_persons),
            events_purged=runs.c.events_purged + events,
            snapshots_purged=runs.c.snapshots_purged + len(snapshots),
            held_skipped=runs.c.held_skipped + len(held),
        )
    )
    return kinds, held, [key for _sid, _pid, key, _label in snapshots]


def purge(commit: Callable[[], None], *, now: datetime | None = None, batch: int = BATCH) -> PurgeRun:
    """Run the purge over every person; returns the finished run.

    :param commit: the task's or the command's ``db.session.commit``, called after the run starts and after each
        batch (before that batch's files are deleted), so a long run keeps its progress.
    :param now: the clock (tests fix it); naive UTC.
    """
    now = now or utcnow()
    run = PurgeRun(started_at=utcnow(), kinds={}, held_person_ids=[])
    db.session.add(run)
    commit()
    run_id = run.id
    kinds: Counter = Counter()
    held: list[int] = []
    last_id = 0
    while True:
        ids = list(db.session.scalars(sa.select(Person.id).where(Person.id > last_id).order_by(Person.id).limit(batch)))
        if not ids:
            break
        last_id = ids[-1]
        book = rule_book(KEYS)
        batch_kinds, batch_held, files = _purge_batch(book, run_id, ids, now)
        commit()
        kinds.update(batch_kinds)
        held.extend(sorted(batch_held))
        for key in files:
            try:
                storage().delete(key)
            except Exception:  # a file left behind is logged: the row is already gone
                logger.exception("purge run %s: snapshot file %s not deleted", run_id, key)
    runs = PurgeRun.__table__
    db.session.execute(
        sa.update(runs)
        .where(runs.c.id == run_id)
        .values(finished_at=utcnow(), kinds=dict(sorted(kinds.items())), held_person_ids=held[:HELD_LISTED])
    )
    commit()
    return db.session.get(PurgeRun, run_id)
