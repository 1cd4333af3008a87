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
"""

from __future__ import annotations

import hmac
import itertools
import json
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import NamedTuple

import sqlalchemy as sa

from app.archive import merkle, witness
from app.archive.checkpoints import checkpoint_ok, latest_checkpoint, pin_ok, retired_of, seal
from app.archive.models import (
    ArchiveCheckpoint,
    ArchiveEpoch,
    ArchiveEvent,
    ArchiveHead,
    ArchivePin,
    ArchiveVerificationRun,
)
from app.archive.services import GENESIS, canonical_json, epoch_ok, event_matches, head_ok
from app.core import crypto
from app.core.db import utcnow
from app.extensions import db

#: Persons per query of an incremental run.
BATCH = 1000
#: Breaks kept in a run's row (all of them are logged and printed).
DETAIL = 100


@dataclass(frozen=True)
class ChainBreak:
    event_id: int | None
    person_id: int | None
    seq: int | None
    reason: str


class Pin(NamedTuple):
    """What a checkpoint pinned of one person: the head's seq and hash."""

    seq: int
    hash: str
    checkpoint_id: int


@dataclass
class Outcome:
    """What one run over the whole archive verified and found."""

    mode: str
    started_at: datetime
    first_checkpoint_id: int | None
    last_checkpoint_id: int | None
    checked: int = 0
    chains: int = 0
    sampled: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)


class _Checker:
    """Checks chains one person at a time against their start, head and pin; collects breaks, counts events."""

    def __init__(self, retired: set[str], breaks: list[ChainBreak]):
        self.retired, self.breaks, self.ring, self.mac = retired, breaks, crypto.ring(), crypto.chain_macs()
        self.checked = self.chains = 0

    def chain(self, person_id: int, rows, start: tuple[int, str], head, pin: Pin | None, anchor: int = 0) -> None:
        """Check one person's events (``rows``, by seq).

        :param start: the first seq expected and the hash it links to (the genesis, or the latest epoch's).
        :param anchor: continue after the event at this seq (verified by an earlier run) instead of the start.
        """
        self.chains += 1
        expected, prev = start
        end = (expected - 1, prev) if expected > 1 else None  # a file purged whole ends at its epoch
        anchored = anchor >= expected
        if anchored:
            expected, prev, end = anchor, None, None
        found = None  # the hash now at the pinned seq
        broken = renewed = read = False
        for row in rows:
            if anchored and row.seq < anchor:
                continue
            read, end = True, (row.seq, row.hash)
            if pin is not None and row.seq == pin.seq:
                found = row.hash
            if prev is None and not broken:  # the anchor: its hash is where the new events link
                if row.seq != anchor:
                    self._break(row, f"sequence gap: expected {anchor}, found {row.seq}")
                    broken = True
                else:
                    prev, expected = row.hash, anchor + 1
                    renewed = row.key_id is not None and row.key_id not in self.retired
                continue
            self.checked += 1
            if broken:
                continue
            reason = self._reason(row, expected, prev, renewed)
            if reason:
                self._break(row, reason)
                broken = True
            renewed = renewed or (row.key_id is not None and row.key_id not in self.retired)
            prev, expected = row.hash, expected + 1
        self._check_head(person_id, head, end, read, anchor if anchored else 0)
        self._check_pin(person_id, pin, found, start)

    def _reason(self, row, expected: int, prev: str, renewed: bool) -> str | None:
        if row.seq != expected:
            return f"sequence gap: expected {expected}, found {row.seq}"
        if row.prev_hash != prev:
            return "prev_hash does not match the previous event"
        if row.key_id is not None and row.key_id not in self.ring:
            return f"signed with key id {row.key_id}, which is not configured (ANPEI_DATA_KEY_OLD?)"
        if renewed and row.key_id in self.retired:
            return f"signed with retired key {row.key_id} after the key rotation"
        if not event_matches(row, self.mac):
            return "content does not match its hash (edited after writing)"
        return None

    def _break(self, row, reason: str) -> None:
        self.breaks.append(ChainBreak(row.id, row.person_id, row.seq, reason))

    def _check_head(self, person_id: int, head, end: tuple[int, str] | None, read: bool, anchor: int) -> None:
        if head is None:
            if read:
                self.breaks.append(ChainBreak(None, person_id, end[0], "no head for this chain (head deleted)"))
            return
        reason = None
        if end is None and anchor:
            reason = f"events deleted from seq {anchor} on: the head is at seq {head.seq}"
        elif end is None:
            reason = f"whole chain deleted: the head is at seq {head.seq} but no event is left"
        elif end[0] < head.seq:
            reason = f"last events deleted: the head is at seq {head.seq}, the chain ends at seq {end[0]}"
        elif end != (head.seq, head.hash):
            reason = f"head (seq {head.seq}) does not match the chain's last event (seq {end[0]})"
        elif head.mac is not None and (head.key_id in self.retired or not head_ok(head)):
            reason = "head signature invalid"
        if reason:
            self.breaks.append(ChainBreak(None, person_id, head.seq, reason))

    def _check_pin(self, person_id: int, pin: Pin | None, found: str | None, start: tuple[int, str]) -> None:
        if pin is None:
            return
        first_kept, epoch_hash = start
        # purged under an epoch since it was pinned (the last purged event's hash is the epoch's)
        if first_kept > 1 and pin.seq < first_kept and (pin.seq != first_kept - 1 or epoch_hash == pin.hash):
            return
        if found != pin.hash:
            what = "missing" if found is None else "different"
            reason = f"checkpoint {pin.checkpoint_id} lists seq {pin.seq}, now {what} (events deleted?)"
            self.breaks.append(ChainBreak(None, person_id, pin.seq, reason))


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


def _verify_from_start(person_id: int | None, breaks: list[ChainBreak]) -> _Checker:
    ids = None if person_id is None else [person_id]
    if person_id is None:
        pins, retired = _pinned_by_checkpoints(breaks)
    else:
        retired = _latest_retired(breaks)
        pins = _signed_pins(ids, retired, breaks) or _first_format_pins(person_id)
    starts, heads = _chain_starts(ids, breaks), _heads(ids)
    checker = _Checker(retired, breaks)
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


def _checkpoint_rows(where) -> list:
    """Checkpoints without their leaves, and without the body of the first format (every head: large)."""
    t = ArchiveCheckpoint.__table__
    body = sa.case((t.c.root.is_(None), sa.null()), else_=t.c.body).label("body")
    columns = (t.c.id, t.c.at, t.c.key_id, t.c.person_count, t.c.mac, t.c.root, t.c.previous_id, t.c.previous_root)
    return db.session.execute(sa.select(*columns, body).where(where).order_by(t.c.id)).all()


def _leaves_of(checkpoint_id: int) -> list[merkle.Leaf]:
    blob = db.session.scalar(sa.select(ArchiveCheckpoint.leaves).where(ArchiveCheckpoint.id == checkpoint_id))
    return list(merkle.leaves(blob or b""))


def _continues(row, prior, breaks: list[ChainBreak]) -> bool:
    """Is a Merkle checkpoint signed and does it continue ``prior`` (the checkpoint before it, or None)?"""
    if not checkpoint_ok(row):
        breaks.append(ChainBreak(None, None, None, f"checkpoint {row.id} signature invalid"))
        return False
    if (row.previous_id, row.previous_root) != ((prior.id, seal(prior)) if prior else (None, None)):
        named = prior.id if prior else "none"
        breaks.append(ChainBreak(None, None, None, f"checkpoint {row.id} does not continue checkpoint {named}"))
    return True


def _pinned_by_checkpoints(breaks: list[ChainBreak]) -> tuple[dict[int, Pin], set[str]]:
    """Each person's latest pin over every checkpoint, and the retired key ids; bad checkpoints reported."""
    rows = _checkpoint_rows(sa.true())
    first_format = [r.id for r in rows if r.root is None]
    pins: dict[int, Pin] = {}
    retired: set[str] = set()
    prior = None
    for row in rows:
        if row.root is None:  # of the first format, only the latest counts (it listed every head)
            if row.id == first_format[-1]:
                pins, retired = _first_format(db.session.get(ArchiveCheckpoint, row.id), breaks)
        elif _continues(row, prior, breaks):
            for leaf in _leaves_of(row.id):
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


def _first_format_pins(person_id: int) -> dict[int, Pin]:
    """One person's pin while the latest checkpoint is still of the first format (before any Merkle checkpoint)."""
    latest = latest_checkpoint()
    if latest is None or latest.root is not None:
        return {}
    pins, _retired = _first_format(latest, [])
    return {person_id: pins[person_id]} if person_id in pins else {}


def _latest_retired(breaks: list[ChainBreak]) -> set[str]:
    latest = latest_checkpoint()
    if latest is None:
        return set()
    if not checkpoint_ok(latest):
        breaks.append(ChainBreak(None, None, None, f"checkpoint {latest.id} signature invalid"))
        return set()
    return retired_of(latest)


def _signed_pins(person_ids, retired: set[str], breaks: list[ChainBreak]) -> dict[int, Pin]:
    found = {}
    for pin in db.session.scalars(sa.select(ArchivePin).where(ArchivePin.person_id.in_(person_ids))):
        if pin.key_id in retired or not pin_ok(pin):
            breaks.append(ChainBreak(None, pin.person_id, pin.seq, "pin signature invalid"))
        else:
            found[pin.person_id] = Pin(pin.seq, pin.hash, pin.checkpoint_id)
    return found


def _heads(person_ids) -> dict:
    heads = ArchiveHead.__table__
    query = sa.select(heads)
    if person_ids is not None:
        query = query.where(heads.c.person_id.in_(person_ids))
    return {row.person_id: row for row in db.session.execute(query)}


def _chain_starts(person_ids, breaks: list[ChainBreak]) -> dict[int, tuple[int, str]]:
    """Where each purged chain starts now: (first seq expected, prev_hash expected) after its last epoch.

    Each epoch must be signed and continue the one before it (``from_seq`` = previous ``through_seq + 1``); a
    person whose epochs do not verify is reported and verified from the genesis, so the purged events show as a gap.
    """
    query = sa.select(ArchiveEpoch).order_by(ArchiveEpoch.person_id, ArchiveEpoch.through_seq)
    if person_ids is not None:
        query = query.where(ArchiveEpoch.person_id.in_(person_ids))
    starts = {}
    for pid, group in itertools.groupby(db.session.scalars(query), key=attrgetter("person_id")):
        epochs = list(group)
        expected_from, bad = 1, None
        for epoch in epochs:
            if not epoch_ok(epoch):
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


# ---------------------------------------------------------------- runs over the whole archive


def verify_archive(*, full: bool = False, sample: int = 1000) -> Outcome:
    """Verify the whole archive: incrementally from the last intact run (plus ``sample`` old chains re-hashed
    whole), or everything from its start when ``full`` or when no intact run is recorded. Writes nothing: the
    caller records the run (``record_run``)."""
    started = utcnow()
    newest = db.session.scalar(sa.select(sa.func.max(ArchiveCheckpoint.id)))
    breaks: list[ChainBreak] = []
    if restored := witness.check(db.session()):
        breaks.append(ChainBreak(None, None, None, restored))
    base = None if full else _last_intact_run(breaks)
    if base is None:
        checker = _verify_from_start(None, breaks)
        first = db.session.scalar(sa.select(sa.func.min(ArchiveCheckpoint.id)))
        return Outcome("full", started, first, newest, checker.checked, checker.chains, 0, breaks)
    return _verify_since(base, newest, sample, started, breaks)


def _last_intact_run(breaks: list[ChainBreak]) -> ArchiveVerificationRun | None:
    run = db.session.scalars(
        sa.select(ArchiveVerificationRun)
        .where(ArchiveVerificationRun.result == "intact")
        .order_by(ArchiveVerificationRun.id.desc())
        .limit(1)
    ).first()
    if run is not None and not run_ok(run):
        breaks.append(ChainBreak(None, None, None, f"verification run {run.id} signature invalid"))
        return None
    return run


def _verify_since(
    base: ArchiveVerificationRun, newest: int, sample: int, started: datetime, breaks: list[ChainBreak]
) -> Outcome:
    t = ArchiveCheckpoint.__table__
    after = base.last_checkpoint_id or 0  # a run before any checkpoint verified what they all pin since
    [prior] = _checkpoint_rows(t.c.id == after) or [None]
    if after and prior is None:
        breaks.append(ChainBreak(None, None, None, f"checkpoint {after} (the last verified) is missing"))
    # person → [the seq pinned before (where the new events start), the newest pin]
    touched: dict[int, list] = {}
    rows = _checkpoint_rows(sa.and_(t.c.id > after, t.c.id <= (newest or 0)))
    for row in rows:
        if row.root is not None and _continues(row, prior, breaks):
            for leaf in _leaves_of(row.id):
                entry = touched.setdefault(leaf.person_id, [leaf.since, None])
                entry[1] = Pin(leaf.seq, leaf.hash, row.id)
        prior = row
    pins = ArchivePin.__table__
    sampled = set(db.session.scalars(sa.select(pins.c.person_id).order_by(sa.func.random()).limit(sample)))
    again = {b["person"] for run in _broken_runs_since(base) for b in run.detail if b.get("person") is not None}
    retired = _latest_retired(breaks)
    checker = _Checker(retired, breaks)
    persons = sorted(touched.keys() | sampled | again)
    for start in range(0, len(persons), BATCH):
        batch = persons[start : start + BATCH]
        starts, heads = _chain_starts(batch, breaks), _heads(batch)
        signed = _signed_pins([p for p in batch if p not in touched], retired, breaks)
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


def _broken_runs_since(base: ArchiveVerificationRun) -> list[ArchiveVerificationRun]:
    return list(
        db.session.scalars(
            sa.select(ArchiveVerificationRun).where(
                ArchiveVerificationRun.id > base.id, ArchiveVerificationRun.result == "broken"
            )
        )
    )


def _run_body(run: ArchiveVerificationRun) -> bytes:
    fields = {
        "mode": run.mode,
        "started_at": run.started_at.isoformat(timespec="microseconds"),
        "finished_at": run.finished_at.isoformat(timespec="microseconds"),
        "first": run.first_checkpoint_id,
        "last": run.last_checkpoint_id,
        "events": run.events_checked,
        "chains": run.chains_checked,
        "sampled": run.chains_sampled,
        "breaks": run.breaks,
        "result": run.result,
        "detail": run.detail,
    }
    return canonical_json(fields).encode()


def run_ok(run: ArchiveVerificationRun) -> bool:
    try:
        return hmac.compare_digest(crypto.chain_mac(_run_body(run), run.key_id), run.mac)
    except crypto.UnknownKey:
        return False


def record_run(outcome: Outcome) -> ArchiveVerificationRun:
    """Record what a run verified (flushes; the caller commits). Its breaks' chains are checked again next run."""
    run = ArchiveVerificationRun(
        mode=outcome.mode,
        started_at=outcome.started_at,
        finished_at=utcnow(),
        first_checkpoint_id=outcome.first_checkpoint_id,
        last_checkpoint_id=outcome.last_checkpoint_id,
        events_checked=outcome.checked,
        chains_checked=outcome.chains,
        chains_sampled=outcome.sampled,
        breaks=len(outcome.breaks),
        result="broken" if outcome.breaks else "intact",
        detail=[{"person": b.person_id, "seq": b.seq, "reason": b.reason} for b in outcome.breaks[:DETAIL]],
        key_id=crypto.current_kid(),
    )
    run.mac = crypto.chain_mac(_run_body(run), run.key_id)
    db.session.add(run)
    db.session.flush()
    return run
