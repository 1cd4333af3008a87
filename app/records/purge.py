"""The purge job: persons in keyset batches, each batch one transaction; legal holds skip a person entirely.

Per person: the oldest 一人一档 events past retention are sealed under an epoch and deleted
(``app.archive.epochs``); 人像抓拍 rows past retention, or whose consent was withdrawn with nothing depending on
them, are deleted, and their image files after the batch commits (a file is never gone while its row could still
roll back); the registered photo likewise (its references cleared, a ``person.photo_purged`` event written, its
files and the stored certificate PDFs that print it deleted after the commit: ``photos.retired``); the person's
查阅记录 rows past retention are deleted. The bulk-export rows of the 查阅记录 (no person) go by age after the last
batch, except those that covered a held person. The files of registered photos replaced while their person was held
go once the hold is released (``photo_replaced``; a replaced photo's file otherwise goes with the replacement,
``app.people.photos``). The run's counters move in SQL after each batch. Each batch, and the last step, reads who
is held under a lock a hold's placing waits for (``_holds_wait``): a hold committed meanwhile is either read, or
waits until that transaction's deletions are committed.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from app.archive.epochs import expired_prefix, kinds_of, seal_and_purge
from app.archive.models import ArchiveEvent
from app.archive.services import record_event
from app.core.clock import to_local
from app.core.db import dialect_name, utcnow
from app.core.storage import storage
from app.extensions import db
from app.people import access_log, photos
from app.people.models import AccessLogEntry, Employment, Person, Snapshot, SnapshotConsent
from app.records.holds import all_held_person_ids, held_person_ids
from app.records.models import LegalHold, PurgeRun
from app.records.retention import (
    KEYS,
    access_log_expired,
    event_keeper,
    photo_facts,
    photo_may_go,
    snapshot_kept_until,
    tracks_of,
)
from app.rules.queries import rule_book

logger = logging.getLogger(__name__)

BATCH = 200
#: Held persons named in a run's report at most (the count is always complete).
HELD_LISTED = 500


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


def _photo_keys(person_id: int, current: str, sha256s: set[str]) -> list[str]:
    """The storage keys of a person's registered photos: the current one and the earlier ones the 一人一档 names
    (``person.photo`` events keep each photo's sha256; ``app.people.photos`` stores it under its first 24 digits)."""
    keys = [current]
    keys += [f"photos/{person_id}/{sha[:24]}.jpg" for sha in sorted(sha256s) if sha]
    return list(dict.fromkeys(keys))


def _purge_photos(book, person_ids: list[int], now: datetime) -> tuple[int, list[str]]:
    """Clear the registered photo of the batch's persons whose photo may go, each with a ``person.photo_purged``
    event; returns how many, and the storage keys to delete once the batch has committed."""
    facts = photo_facts(person_ids, to_local(now).date())
    going = {pid: reason for pid, f in facts.items() if (reason := photo_may_go(book, f, now)) is not None}
    if not going:
        return 0, []
    current = db.session.execute(
        sa.select(Person.id, Person.photo_key, Person.photo_sha256).where(Person.id.in_(going))
    ).all()
    earlier = _photos_named(list(going))
    table = Person.__table__
    keys, count = [], 0
    for pid, key, sha256 in current:
        cleared = db.session.execute(
            sa.update(table)
            .where(table.c.id == pid, table.c.photo_key == key)
            .values(photo_key=None, photo_sha256=None, photo_phash="", photo_purged_at=now)
        )
        if cleared.rowcount != 1:  # a new photo came in meanwhile: it is not this run's to judge
            continue
        record_event(pid, "person.photo_purged", {"sha256": sha256, "reason": going[pid]}, at=now)
        photos.retired(pid)  # the certificate PDFs that print it go too (after the commit)
        keys += _photo_keys(pid, key, earlier[pid] | {sha256 or ""})
        count += 1
    return count, keys


def _photos_named(person_ids: list[int]) -> dict[int, set[str]]:
    """The sha256 of every registered photo each person's ``person.photo`` events name (the one set and the one it
    replaced): their files' keys follow from them (``_photo_keys``)."""
    named: dict[int, set[str]] = {pid: set() for pid in person_ids}
    for pid, payload in db.session.execute(
        sa.select(ArchiveEvent.person_id, ArchiveEvent.payload).where(
            ArchiveEvent.person_id.in_(person_ids), ArchiveEvent.kind == "person.photo"
        )
    ):
        facts = json.loads(payload)
        named[pid].update(v for v in (facts.get("sha256"), facts.get("replaced")) if v)
    return named


def _released_since(run_id: int) -> list[int]:
    """The persons a legal hold released since the last finished run started (all released ones before any run)."""
    runs = PurgeRun.__table__
    since = db.session.scalar(
        sa.select(sa.func.max(runs.c.started_at)).where(runs.c.id != run_id, runs.c.finished_at.is_not(None))
    )
    released = LegalHold.released_at.is_not(None)
    if since is not None:
        released = sa.and_(released, LegalHold.released_at >= since)
    own = sa.select(LegalHold.person_id).where(released, LegalHold.person_id.is_not(None))
    by_enterprise = sa.select(Employment.person_id).join(
        LegalHold, sa.and_(LegalHold.enterprise_id == Employment.enterprise_id, released)
    )
    return sorted(set(db.session.scalars(sa.union(own, by_enterprise))))


def _replaced_photo_files(run_id: int) -> list[str]:
    """The files of registered photos replaced while their person was held (``app.people.photos`` keeps them then)
    of the persons whose hold was released since the last run and who are not held any more: every photo the
    一人一档 names but the one in use, where the file is still there."""
    released = _released_since(run_id)
    held = held_person_ids(released) if released else set()
    free = [pid for pid in released if pid not in held]
    if not free:
        return []
    current = dict(db.session.execute(sa.select(Person.id, Person.photo_key).where(Person.id.in_(free))).all())
    named = _photos_named(free)
    keys = [key for pid in free for key in _photo_keys(pid, "", named[pid]) if key and key != current.get(pid)]
    return [key for key in keys if storage().size(key) is not None]


def _purge_access_log(book, person_ids: list[int], now: datetime) -> int:
    """Delete the batch's persons' 查阅记录 rows past retention; returns how many."""
    table = AccessLogEntry.__table__
    done = db.session.execute(sa.delete(table).where(table.c.person_id.in_(person_ids), access_log_expired(book, now)))
    return done.rowcount or 0


def _holds_wait(run_id: int) -> None:
    """From here to the transaction's commit no legal hold is placed or released, so whom the purge reads as held
    next stays true while it deletes (a hold that comes meanwhile waits for the commit; one committed before is
    read). PostgreSQL: a SHARE lock on the holds table, which placing or releasing a hold (an INSERT, an UPDATE)
    waits for; SQLite: a write now takes the database's one write lock, which the hold's insert waits for."""
    if dialect_name(db.session) == "postgresql":
        db.session.execute(sa.text(f"LOCK TABLE {LegalHold.__tablename__} IN SHARE MODE"))
    else:
        runs = PurgeRun.__table__
        db.session.execute(sa.update(runs).where(runs.c.id == run_id).values(held_skipped=runs.c.held_skipped))


def _purge_batch(book, run_id: int, person_ids: list[int], now: datetime) -> tuple[Counter, set[int], list[str]]:
    _holds_wait(run_id)
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
    photo_count, photo_files = _purge_photos(book, free, now) if free else (0, [])
    if photo_count:
        kinds["photo"] += photo_count
    access_log = _purge_access_log(book, free, now) if free else 0
    if access_log:
        kinds["access_log"] += access_log
    runs = PurgeRun.__table__
    db.session.execute(
        sa.update(runs)
        .where(runs.c.id == run_id)
        .values(
            persons_purged=runs.c.persons_purged + len(purged_persons),
            events_purged=runs.c.events_purged + events,
            snapshots_purged=runs.c.snapshots_purged + len(snapshots),
            photos_purged=runs.c.photos_purged + photo_count,
            access_log_purged=runs.c.access_log_purged + access_log,
            held_skipped=runs.c.held_skipped + len(held),
        )
    )
    return kinds, held, [key for _sid, _pid, key, _label in snapshots] + photo_files


def _purge_bulk_access_log(book, run_id: int, now: datetime) -> int:
    """Delete the 查阅记录 rows of bulk API exports (no person) past retention, counted in the run — but those that
    covered a person under a legal hold (the rows that person's own log lists: ``access_log.exports_covering``)."""
    table = AccessLogEntry.__table__
    held = access_log.exports_covering_any(all_held_person_ids())
    done = db.session.execute(
        sa.delete(table).where(table.c.person_id.is_(None), access_log_expired(book, now), sa.not_(held))
    )
    count = done.rowcount or 0
    if count:
        runs = PurgeRun.__table__
        db.session.execute(
            sa.update(runs).where(runs.c.id == run_id).values(access_log_purged=runs.c.access_log_purged + count)
        )
    return count


def _delete_files(run_id: int, keys: list[str]) -> None:
    for key in keys:
        try:
            storage().delete(key)
        except Exception:  # a file left behind is logged: the row is already gone
            logger.exception("purge run %s: file %s not deleted", run_id, key)


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
        _delete_files(run_id, files)
    _holds_wait(run_id)  # the released and the held persons read below stay so until the run's last commit
    replaced = _replaced_photo_files(run_id)
    if replaced:
        kinds["photo_replaced"] += len(replaced)
    if bulk := _purge_bulk_access_log(rule_book(KEYS), run_id, now):
        kinds["access_log"] += bulk
    runs = PurgeRun.__table__
    db.session.execute(
        sa.update(runs)
        .where(runs.c.id == run_id)
        .values(finished_at=utcnow(), kinds=dict(sorted(kinds.items())), held_person_ids=held[:HELD_LISTED])
    )
    commit()
    _delete_files(run_id, replaced)
    return db.session.get(PurgeRun, run_id)
