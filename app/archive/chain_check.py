"""One person's chain checked against where it starts, its signed head and what a checkpoint pinned of it.

:class:`ChainChecker` re-hashes each event and links it to the one before (from the genesis, from the latest epoch
after a purge, or from an anchor an earlier run verified), then compares the chain's end with the head and the seq
and hash its pin names; every break is collected as a :class:`ChainBreak`. :func:`heads_of` and :func:`chain_starts`
read what a batch of chains is checked against. The runs over the archive are :mod:`app.archive.verification`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from operator import attrgetter
from typing import NamedTuple

import sqlalchemy as sa

from app.archive.models import ArchiveEpoch, ArchiveHead
from app.archive.services import epoch_ok, event_matches, head_ok
from app.core import crypto
from app.extensions import db


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


class ChainChecker:
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


def heads_of(person_ids) -> dict:
    heads = ArchiveHead.__table__
    query = sa.select(heads)
    if person_ids is not None:
        query = query.where(heads.c.person_id.in_(person_ids))
    return {row.person_id: row for row in db.session.execute(query)}


def chain_starts(person_ids, breaks: list[ChainBreak]) -> dict[int, tuple[int, str]]:
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
