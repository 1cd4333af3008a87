"""Field encryption for personal identifiers, blind indexes, and the archive's MAC keys — all with key ids.

ID numbers are stored encrypted (Fernet: AES-128-CBC + HMAC) so a database dump does not reveal them, with a
keyed hash beside them (a "blind index") for exact lookups and uniqueness. Every key is derived from the one
``DATA_KEY`` setting with HKDF, each under its own label, so none can be computed from another.

Key ids make ``DATA_KEY`` rotatable: a ciphertext starts with the 8-hex-digit id of the key that made it
(``"3fa09c1e:gAAAA…"``), and every archive MAC records its key id. The keys listed in ``DATA_KEY_OLD``
(``ANPEI_DATA_KEY_OLD``, comma-separated) still decrypt and verify, so ``flask rotate-keys`` can re-encrypt
under the new key; new data is always written with the current key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

SEPARATOR = b":"
KID_LENGTH = 8


class UnknownKey(LookupError):
    """Data made with a key id that is neither ``DATA_KEY`` nor one of ``DATA_KEY_OLD``."""


def _derive(secret: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"anpei", info=label).derive(secret.encode())


@dataclass(frozen=True)
class Keys:
    kid: str
    fernet: Fernet
    blind: bytes
    chain: bytes
    #: The Fernet key's 32 bytes (signing half, encryption half), for ``decryptor``.
    field: bytes


@lru_cache(maxsize=16)
def keys_for(secret: str) -> Keys:
    field = _derive(secret, b"anpei/field-encryption")
    return Keys(
        kid=_derive(secret, b"anpei/key-id").hex()[:KID_LENGTH],
        fernet=Fernet(base64.urlsafe_b64encode(field)),
        field=field,
        blind=_derive(secret, b"anpei/blind-index"),
        chain=_derive(secret, b"anpei/archive-chain"),
    )


def current() -> Keys:
    return keys_for(current_app.config["DATA_KEY"])


def ring() -> dict[str, Keys]:
    """The current key and every old one still configured, by key id (current first)."""
    secrets = [current_app.config["DATA_KEY"], *old_secrets()]
    keys = [keys_for(s) for s in secrets]
    return {k.kid: k for k in keys}


def old_secrets() -> list[str]:
    value = current_app.config.get("DATA_KEY_OLD") or ""
    items = value if isinstance(value, list | tuple) else value.split(",")
    return [s.strip() for s in items if s and s.strip()]


def by_kid(kid: str | None) -> Keys:
    try:
        return ring()[kid] if kid else current()
    except KeyError:
        raise UnknownKey(kid) from None


def current_kid() -> str:
    return current().kid


# ---------------------------------------------------------------- encryption


def encrypt(text: str) -> bytes:
    return encrypt_bytes(text.encode())


def decrypt(token: bytes) -> str:
    return decrypt_bytes(token).decode()


def encrypt_bytes(data: bytes) -> bytes:
    keys = current()
    return keys.kid.encode() + SEPARATOR + keys.fernet.encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    """Decrypt with the key the token names; tokens from before key ids are tried with every configured key."""
    token = bytes(token)
    kid = token_kid(token)
    if kid is not None:
        return by_kid(kid).fernet.decrypt(token[KID_LENGTH + 1 :])
    for keys in ring().values():
        try:
            return keys.fernet.decrypt(token)
        except InvalidToken:
            continue
    raise UnknownKey("legacy token: no configured key decrypts it")


def decryptor():
    """``decrypt`` for many values in a row (a bulk export), cheaper per value than ``decrypt``: the key ring is
    looked up once and each key's HMAC keyed once (``FernetReader``)."""
    readers = {kid.encode(): FernetReader(keys.field) for kid, keys in ring().items()}

    def decrypt_one(token: bytes) -> str:
        token = bytes(token)
        reader = readers.get(token[:KID_LENGTH]) if token[KID_LENGTH : KID_LENGTH + 1] == SEPARATOR else None
        if reader is None:
            return decrypt(token)  # a legacy or unknown key id: the slow, complete path
        return reader.decrypt(token[KID_LENGTH + 1 :]).decode()

    return decrypt_one


_URLSAFE = bytes.maketrans(b"-_", b"+/")


class FernetReader:
    """``Fernet(key).decrypt(token)`` (no time limit), with the per-token set-up taken out of the loop.

    Fernet's own object derives and checks its keys and builds a fresh HMAC for every token, which costs more than
    the work itself on a 32-byte ID number. This reads the same format and makes the same checks — anything Fernet
    refuses raises ``InvalidToken`` here too (tests/core/test_crypto.py alters every byte), and nothing is decrypted
    before its MAC verifies:

    - the token is URL-safe base64 (decoded as Fernet decodes it), version byte ``0x80``;
    - HMAC-SHA256 (the key's first half) over everything before the 32-byte tag, compared in constant time
      (``HMAC.verify``), from a keyed state copied per token;
    - AES-128-CBC (the key's second half) with the token's IV, and PKCS7 unpadding, both by ``cryptography``.
    """

    HEADER, TAG, BLOCK = 25, 32, 16  # version + timestamp + IV; the HMAC tag; the AES block

    def __init__(self, key: bytes):
        if len(key) != 32:
            raise ValueError("a Fernet key is 32 bytes")
        self._mac = crypto_hmac.HMAC(key[:16], hashes.SHA256())
        self._aes = algorithms.AES(key[16:])

    def decrypt(self, token: bytes) -> bytes:
        try:
            data = binascii.a2b_base64(bytes(token).translate(_URLSAFE))  # = base64.urlsafe_b64decode, as Fernet
        except (TypeError, binascii.Error):
            raise InvalidToken from None
        size = len(data) - self.HEADER - self.TAG  # the ciphertext: at least one whole block
        if data[:1] != b"\x80" or size < self.BLOCK or size % self.BLOCK:
            raise InvalidToken
        mac = self._mac.copy()
        mac.update(data[: -self.TAG])
        try:
            mac.verify(data[-self.TAG :])
        except InvalidSignature:
            raise InvalidToken from None
        blocks = Cipher(self._aes, modes.CBC(data[self.HEADER - self.BLOCK : self.HEADER])).decryptor()
        unpadder = padding.PKCS7(algorithms.AES.block_size).unpadder()
        try:
            return (
                unpadder.update(blocks.update(data[self.HEADER : -self.TAG]) + blocks.finalize()) + unpadder.finalize()
            )
        except ValueError:
            raise InvalidToken from None


def token_kid(token: bytes) -> str | None:
    """The key id a ciphertext starts with (None for one written before key ids)."""
    token = bytes(token)
    if len(token) > KID_LENGTH and token[KID_LENGTH : KID_LENGTH + 1] == SEPARATOR:
        return token[:KID_LENGTH].decode()
    return None


# ---------------------------------------------------------------- keyed hashes


def blind_index(kind: str, value: str, kid: str | None = None) -> str:
    """Keyed hash of ``kind:value`` for equality lookups (hex, 64 chars), with the current key by default."""
    return hmac.new(by_kid(kid).blind, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def blind_indexes(kind: str, value: str) -> list[str]:
    """The blind index under every configured key: lookups keep working while a rotation is under way."""
    return [hmac.new(k.blind, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest() for k in ring().values()]


def chain_mac(data: bytes, kid: str | None = None) -> str:
    """Keyed hash for the archive chain: editing a row and recomputing a plain sha256 is not enough."""
    return hmac.new(by_kid(kid).chain, data, hashlib.sha256).hexdigest()


def chain_macs():
    """``chain_mac`` for many values in a row (a verification of the archive): the key ring is looked up once."""
    keys = {kid: k.chain for kid, k in ring().items()}

    def mac(data: bytes, kid: str | None = None) -> str:
        key = keys.get(kid) if kid else keys[current_kid()]
        if key is None:
            raise UnknownKey(kid)
        return hmac.new(key, data, hashlib.sha256).hexdigest()

    return mac
