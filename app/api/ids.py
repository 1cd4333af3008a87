"""Public ids: what the API shows instead of database ids.

A database id is a counter: it tells how many certificates (or persons, inspections …) exist, in which order, and
invites guessing the neighbour's. The API never shows one. A public id is the database id and a type tag sealed in
one AES block under ``API_ID_KEY`` (``cert_`` + 32 hex digits): stable for years (the key never changes
with the data key), opaque, and self-checking — 8 bytes of the block must decrypt to the tag and zeros, so a
made-up or altered id decodes to nothing (a 404, like an id of another tenant).
"""

from __future__ import annotations

import functools
import hashlib
import struct
import threading

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from flask import current_app

#: Type → (prefix, tag byte). Tags are never reused: a prefix may be renamed, its tag stays.
KINDS: dict[str, tuple[str, int]] = {
    "person": ("pers", 1),
    "enterprise": ("ent", 2),
    "certificate": ("cert", 3),
    "inspection": ("insp", 4),
    "ticket": ("tkt", 5),
    "finding": ("fnd", 6),
    "attempt": ("exam", 7),
    "practical": ("prac", 8),
    "class": ("cls", 9),
    "enrolment": ("enr", 10),
    "employment": ("emp", 11),
    "event": ("evt", 12),
    "subscription": ("whk", 13),
    "delivery": ("dlv", 14),
    "institution": ("inst", 15),
    "certificate_event": ("chg", 16),
    "client": ("cli", 17),
    "cursor": ("cur", 18),
}
_BY_PREFIX = {prefix: (kind, tag) for kind, (prefix, tag) in KINDS.items()}
_local = threading.local()


def _key() -> bytes:
    return _derived(current_app.config["API_ID_KEY"])


@functools.lru_cache(maxsize=4)
def _derived(secret: str) -> bytes:
    return hashlib.sha256(b"anpei public ids\0" + secret.encode()).digest()


def _ciphers():
    """This thread's ECB encryptor and decryptor for the current key (reused: building them costs more than a
    block)."""
    key = _key()
    cached = getattr(_local, "ciphers", None)
    if cached is None or cached[0] != key:
        cipher = Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305 — one block per id: ECB is the block cipher itself
        cached = (key, cipher.encryptor(), cipher.decryptor())
        _local.ciphers = cached
    return cached[1], cached[2]


def encode(kind: str, number: int) -> str:
    """The public id of database id ``number`` of ``kind`` (``encode("certificate", 7)`` → ``cert_…``)."""
    prefix, tag = KINDS[kind]
    block = struct.pack(">BQ7x", tag, number)
    return f"{prefix}_{_ciphers()[0].update(block).hex()}"


def encoder(kind: str):
    """``encode`` bound to ``kind``, for loops over many rows (an export)."""
    prefix, tag = KINDS[kind]
    encrypt = _ciphers()[0].update
    pack = struct.Struct(">BQ7x").pack

    def encode_one(number: int) -> str:
        return f"{prefix}_{encrypt(pack(tag, number)).hex()}"

    return encode_one


def many_encoder(kind: str):
    """``encode`` of a list of ids at once (an export's batch of rows): one AES call for all their blocks (ECB seals
    each block alone, so this is the same as one call per id)."""
    prefix, tag = KINDS[kind]
    encrypt = _ciphers()[0].update
    pack = struct.Struct(">BQ7x").pack
    head = prefix + "_"

    def encode_all(numbers: list[int]) -> list[str]:
        sealed = encrypt(b"".join([pack(tag, n) for n in numbers])).hex()
        return [head + sealed[i : i + 32] for i in range(0, len(sealed), 32)]

    return encode_all


def decode(kind: str, public_id: str | None) -> int | None:
    """The database id behind ``public_id`` if it is a valid id of ``kind``; None for anything else."""
    prefix, tag = KINDS[kind]
    if not public_id or not public_id.startswith(prefix + "_") or len(public_id) != len(prefix) + 33:
        return None
    try:
        sealed = bytes.fromhex(public_id[len(prefix) + 1 :])
    except ValueError:
        return None
    block = _ciphers()[1].update(sealed)
    got_tag, number = struct.unpack(">BQ", block[:9])
    if got_tag != tag or block[9:] != bytes(7):
        return None
    return number
