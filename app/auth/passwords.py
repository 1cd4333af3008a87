"""Password hashes: Argon2id by default, older hashes still checked and replaced at the next sign-in.

Argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane) costs ~35 ms of CPU a check on the 2-core box; the Werkzeug
scrypt it replaces (N=2^15, r=8, p=1: below OWASP's N=2^17) cost ~130 ms, and 4,000 candidates signing in within
five minutes spent 1.5 of the 2 cores on it (docs/benchmarks.md, docs/security.md).

``PASSWORD_HASH_METHOD`` names the method: ``argon2id`` (the parameters above), ``argon2id:T:M:P`` (passes, KiB,
lanes: a larger server may raise them) or any Werkzeug method (``scrypt``, ``pbkdf2:sha256:1000`` for the tests'
fixtures). Hashes made by another method — a Werkzeug ``scrypt:``/``pbkdf2:`` hash of an older install, or Argon2id
with other parameters — keep working: :func:`needs_rehash` says so after a right password, and the sign-in stores the
new hash (``app.auth.services``).
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import Argon2Error, InvalidHashError, VerificationError
from flask import Flask, current_app
from werkzeug.security import check_password_hash, generate_password_hash

from config import ConfigError

ARGON2 = "argon2id"
#: OWASP Password Storage Cheat Sheet, Argon2id's minimum: m=19 MiB, t=2, p=1.
ARGON2_DEFAULT = (2, 19 * 1024, 1)


def init_app(app: Flask) -> None:
    """:raises ConfigError: ``PASSWORD_HASH_METHOD`` hashes nothing (checked at start-up, not at the first sign-in)."""
    method = app.config.get("PASSWORD_HASH_METHOD", ARGON2)
    try:
        hash_password("start-up check", method)
    except (ValueError, Argon2Error) as error:
        raise ConfigError(f"ANPEI_PASSWORD_HASH={method!r} is no password hash method: {error}") from error


def configured_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD", ARGON2)


@lru_cache(maxsize=8)
def _argon2(method: str) -> PasswordHasher | None:
    """The hasher ``method`` names, or None for a Werkzeug method."""
    name, _, params = method.partition(":")
    if name != ARGON2:
        return None
    time_cost, memory_kib, lanes = (int(p) for p in params.split(":")) if params else ARGON2_DEFAULT
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=lanes)


def hash_password(password: str, method: str | None = None) -> str:
    """A new hash of ``password`` by ``method`` (the configured one by default)."""
    method = method or configured_method()
    hasher = _argon2(method)
    return hasher.hash(password) if hasher else generate_password_hash(password, method=method)


def check(stored: str, password: str) -> bool:
    """Whether ``password`` matches ``stored``, whichever method made it."""
    if stored.startswith("$argon2"):
        try:
            return _argon2(ARGON2).verify(stored, password)  # the parameters are read from the hash itself
        except (VerificationError, InvalidHashError):
            return False
    return check_password_hash(stored, password)


def needs_rehash(stored: str) -> bool:
    """After a right password: whether ``stored`` was made otherwise than the configured Argon2id would make it now.
    Never for a configured Werkzeug method (the tests' cheap hash replaces nothing)."""
    hasher = _argon2(configured_method())
    if hasher is None:
        return False
    return not stored.startswith("$argon2id$") or hasher.check_needs_rehash(stored)


@lru_cache(maxsize=4)
def _dummy(method: str) -> str:
    return hash_password("not-a-real-password", method)


def spend_a_check(password: str) -> None:
    """Cost a sign-in for an unknown user what a wrong password costs: the answer's time does not reveal accounts."""
    check(_dummy(configured_method()), password)
