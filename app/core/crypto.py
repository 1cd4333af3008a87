"""Field encryption for personal identifiers.

ID numbers are stored encrypted (Fernet: AES-128-CBC + HMAC) so a database dump does not reveal them, with a
keyed hash beside them (a "blind index") for exact lookups and uniqueness. Both keys are derived from the one
``DATA_KEY`` setting with HKDF, each under its own label, so neither can be computed from the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def _derive(secret: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"anpei", info=label).derive(secret.encode())


@lru_cache(maxsize=8)
def _keys(secret: str) -> tuple[Fernet, bytes, bytes]:
    fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, b"anpei/field-encryption")))
    return fernet, _derive(secret, b"anpei/blind-index"), _derive(secret, b"anpei/archive-chain")


def _current() -> tuple[Fernet, bytes, bytes]:
    return _keys(current_app.config["DATA_KEY"])


def encrypt(text: str) -> bytes:
    return _current()[0].encrypt(text.encode())


def encrypt_bytes(data: bytes) -> bytes:
    return _current()[0].encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _current()[0].decrypt(bytes(token))


def decrypt(token: bytes) -> str:
    return _current()[0].decrypt(bytes(token)).decode()


def blind_index(kind: str, value: str) -> str:
    """Keyed hash of ``kind:value`` for equality lookups (hex, 64 chars)."""
    return hmac.new(_current()[1], f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def chain_mac(data: bytes) -> str:
    """Keyed hash for the archive chain: editing a row and recomputing a plain sha256 is not enough."""
    return hmac.new(_current()[2], data, hashlib.sha256).hexdigest()
