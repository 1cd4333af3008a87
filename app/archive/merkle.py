"""The Merkle tree of an archive checkpoint: plain functions over bytes, no database.

A checkpoint pins the heads that moved since the previous one. Each becomes a 44-byte leaf record — person id,
the head's seq (the file's event count), the seq the person was pinned at before (0: never), the head's hash — and
the records, sorted by person, are the checkpoint's ``leaves`` blob. The tree hashes them pairwise up to one root
(sha256; a ``0x00`` prefix for leaves and ``0x01`` for nodes, so a node can never pass for a leaf); an odd node at
the end of a level goes up unpaired. The root is what the checkpoint signs, so a person's proof — the sibling
hashes from their leaf to the root — shows their head was pinned without the other leaves.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from typing import NamedTuple

RECORD = struct.Struct(">III32s")
#: The root of a checkpoint that pins no head (nothing moved since the previous one).
EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


class Leaf(NamedTuple):
    person_id: int
    seq: int
    #: The seq of the person's previous pin (0: none): the events after it are new in this checkpoint.
    since: int
    hash: str


def pack(leaf: Leaf) -> bytes:
    return RECORD.pack(leaf.person_id, leaf.seq, leaf.since, bytes.fromhex(leaf.hash))


def leaves(blob: bytes) -> Iterator[Leaf]:
    for person_id, seq, since, digest in RECORD.iter_unpack(blob):
        yield Leaf(person_id, seq, since, digest.hex())


def find(blob: bytes, person_id: int) -> int | None:
    """The index of the person's leaf in a sorted blob (binary search on the fixed-width records), or None."""
    lo, hi = 0, len(blob) // RECORD.size
    while lo < hi:
        mid = (lo + hi) // 2
        found = int.from_bytes(blob[mid * RECORD.size : mid * RECORD.size + 4], "big")
        if found == person_id:
            return mid
        lo, hi = (mid + 1, hi) if found < person_id else (lo, mid)
    return None


def leaf_hash(leaf: Leaf) -> bytes:
    return hashlib.sha256(b"\x00" + pack(leaf)).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _up(level: list[bytes]) -> list[bytes]:
    above = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        above.append(level[-1])
    return above


def root(hashes: list[bytes]) -> str:
    """The root (hex) over leaf hashes in leaf order."""
    if not hashes:
        return EMPTY_ROOT
    level = hashes
    while len(level) > 1:
        level = _up(level)
    return level[0].hex()


def proof(hashes: list[bytes], index: int) -> list[str]:
    """The sibling hashes (hex) from leaf ``index`` up to the root; a level where it has none is skipped."""
    siblings = []
    level = hashes
    while len(level) > 1:
        if index ^ 1 < len(level):
            siblings.append(level[index ^ 1].hex())
        index, level = index // 2, _up(level)
    return siblings


def verify(leaf: Leaf, index: int, count: int, siblings: list[str], expected_root: str) -> bool:
    """Does ``leaf``, at ``index`` of ``count`` leaves, lead to ``expected_root`` through ``siblings``?"""
    if not 0 <= index < count:
        return False
    digest, rest = leaf_hash(leaf), iter(siblings)
    while count > 1:
        if index ^ 1 < count:
            sibling = next(rest, None)
            if sibling is None:
                return False
            pair = (bytes.fromhex(sibling), digest) if index & 1 else (digest, bytes.fromhex(sibling))
            digest = _node(*pair)
        index, count = index // 2, (count + 1) // 2
    return next(rest, None) is None and digest.hex() == expected_root
