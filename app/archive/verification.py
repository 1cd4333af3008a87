"""Verifying the 一人一档: every chain from its start, or what is new since the last verified checkpoint.

A chain is checked one person at a time: each event re-hashed and linked to the one before (from the genesis, from
its latest epoch after a purge, or — incrementally — from the event it was pinned at before), its end compared with
the signed head, and the seq and hash its latest checkpoint pinned looked for. ``verify_chain`` checks every chain
(or one person's); ``verify_archive`` is the run over the whole archive that the nightly task and ``flask
verify-archive`` record (``ArchiveVerificationRun``):

- **incremental** (the default): the leaves of the checkpoints after the last intact run — each of those persons'
  chains re-hashed from the seq they were pinned at before, up to their head — plus a random sample of pinned
  chains re-hashed from their start, plus the chains a broken run since reported. An old event edited in a chain
  nobody samples waits for the full run.
- **full** (``--full``, and whenever no intact run is recorded): every chain from its start, against every
  checkpoint's leaves.

The pieces: ``chain_check`` (one chain against its start, head and pin), ``pins`` (what the checkpoints pinned, each
checkpoint checked first), ``verification_runs`` (each run's signed record).
"""

from __future__ import annotations

import itertools
from datetime import datetime
from operator import attrgetter

import sqlalchemy as sa

from app.archive import witness
from app.archive.chain_check import ChainBreak, ChainChecker, Pin, chain_starts, heads_of
from app.archive.models import ArchiveCheckpoint, ArchiveEvent, ArchivePin, ArchiveVerificationRun
from app.archive.pins import (
    checkpoint_rows,
    continues,
    first_format_pins,
    latest_retired,
    leaves_of,
    pinned_by_checkpoints,
    signed_pins,
)
from app.archive.services import GENESIS
from app.archive.verification_runs import Outcome, broken_runs_since, last_intact_run
from app.core.db import utcnow
from app.extensions import db

#: Persons per query of an incremental run.
BATCH = 1000


# ---------------------------------------------------------------- every chain, or one person's


def verify_chain(person_id: int | None = None) -> tuple[int, list[ChainBreak]]:
    """Recompute every chain (or one person's) from its start and check it against its head and its pin.

    Reports the first break of each broken chain, a chain shorter than its head (tail events deleted), a head
    without events (whole chain deleted), a chain without a head, a head that is not signed by a key in service,
    and any head a checkpoint pinned that is no longer there. Checking every chain reads every checkpoint (each
    signed, each continuing the one before) and compares the database with the checkpoint copy kept outside it
    (``app.archive.witness``): a database restored from a backup older than the last checkpoint is reported. One
    person's check reads their signed pin (``archive_pins``).

    :return: (number of events checked, list of breaks; empty when intact).
    """
    breaks: list[ChainBreak] = []
    if person_id is None and (restored := witness.check(db.session())):
        breaks.append(ChainBreak(None, None, None, restored))
    checker = _verify_from_start(person_id, breaks)
    return checker.checked, breaks


def _verify_from_start(person_id: int | None, breaks: list[ChainBreak]) -> ChainChecker:
    ids = None if person_id is None else [person_id]
    if person_id is None:
        pins, retired = pinned_by_checkpoints(breaks)
    else:
        retired = latest_retired(breaks)
        pins = signed_pins(ids, retired, breaks) or first_format_pins(person_id)
    starts, heads = chain_starts(ids, breaks), heads_of(ids)
    checker = ChainChecker(retired, breaks)
    events = ArchiveEvent.__table__
    query = sa.select(events).order_by(events.c.person_id, events.c.seq).execution_options(yield_per=2000)
    if ids is not None:
        query = query.where(events.c.person_id.in_(ids))
    seen = set()
    for pid, rows in itertools.groupby(db.session.execute(query), key=attrgetter("person_id")):
        seen.add(pid)
        checker.chain(pid, rows, starts.get(pid, (1, GENESIS)), heads.get(pid), pins.get(pid))
    for pid in sorted((heads.keys() | pins.keys()) - seen):  # no event left: deleted, or purged whole
        checker.chain(pid, (), starts.get(pid, (1, GENESIS)), heads.get(pid), pins.get(pid))
    return checker


# ---------------------------------------------------------------- runs over the whole archive


def verify_archive(*, full: bool = False, sample: int = 1000) -> Outcome:
    """Verify the whole archive: incrementally from the last intact run (plus ``sample`` old chains re-hashed
    whole), or everything from its start when ``full`` or when no intact run is recorded. Writes nothing: the
    caller records the run (:func:`app.archive.verification_runs.record_run`)."""
    started = utcnow()
    newest = db.session.scalar(sa.select(sa.func.max(ArchiveCheckpoint.id)))
    breaks: list[ChainBreak] = []
    if restored := witness.check(db.session()):
        breaks.append(ChainBreak(None, None, None, restored))
    base = None if full else last_intact_run(breaks)
    if base is None:
        checker = _verify_from_start(None, breaks)
        first = db.session.scalar(sa.select(sa.func.min(ArchiveCheckpoint.id)))
        return Outcome("full", started, first, newest, checker.checked, checker.chains, 0, breaks)
    return _verify_since(base, newest, sample, started, breaks)


def _verify_since(
    base: ArchiveVerificationRun, newest: int, sample: int, started: datetime, breaks: list[ChainBreak]
) -> Outcome:
    t = ArchiveCheckpoint.__table__
    after = base.last_checkpoint_id or 0  # a run before any checkpoint verified what they all pin since
    [prior] = checkpoint_rows(t.c.id == after) or [None]
    if after and prior is None:
        breaks.append(ChainBreak(None, None, None, f"checkpoint {after} (the last verified) is missing"))
    # person → [the seq pinned before (where the new events start), the newest pin]
    touched: dict[int, list] = {}
    rows = checkpoint_rows(sa.and_(t.c.id > after, t.c.id <= (newest or 0)))
    for row in rows:
        if row.root is not None and continues(row, prior, breaks):
            for leaf in leaves_of(row.id):
                entry = touched.setdefault(leaf.person_id, [leaf.since, None])
                entry[1] = Pin(leaf.seq, leaf.hash, row.id)
        prior = row
    pins = ArchivePin.__table__
    sampled = set(db.session.scalars(sa.select(pins.c.person_id).order_by(sa.func.random()).limit(sample)))
    again = {b["person"] for run in broken_runs_since(base) for b in run.detail if b.get("person") is not None}
    retired = latest_retired(breaks)
    checker = ChainChecker(retired, breaks)
    persons = sorted(touched.keys() | sampled | again)
    for start in range(0, len(persons), BATCH):
        batch = persons[start : start + BATCH]
        starts, heads = chain_starts(batch, breaks), heads_of(batch)
        signed = signed_pins([p for p in batch if p not in touched], retired, breaks)
        anchors = {pid: 0 if pid in sampled or pid in again else touched[pid][0] for pid in batch}
        chains = _events_from(anchors)
        for pid in batch:
            pin = touched[pid][1] if pid in touched else signed.get(pid)
            checker.chain(pid, chains.get(pid, ()), starts.get(pid, (1, GENESIS)), heads.get(pid), pin, anchors[pid])
    first = rows[0].id if rows else None
    return Outcome("incremental", started, first, newest, checker.checked, checker.chains, len(sampled), breaks)


def _events_from(anchors: dict[int, int]) -> dict[int, list]:
    """Each person's events from their anchor on (seq order): one query, the persons grouped by anchor."""
    by_anchor: dict[int, list[int]] = {}
    for pid, anchor in anchors.items():
        by_anchor.setdefault(anchor, []).append(pid)
    events = ArchiveEvent.__table__
    where = sa.or_(*(sa.and_(events.c.person_id.in_(ids), events.c.seq >= a) for a, ids in by_anchor.items()))
    query = sa.select(events).where(where).order_by(events.c.person_id, events.c.seq)
    return {pid: list(rows) for pid, rows in itertools.groupby(db.session.execute(query), attrgetter("person_id"))}
