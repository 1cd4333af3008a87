"""Field decryption in bulk (``crypto.decryptor``, ``FernetReader``): the same answer as Fernet's own object for
every token, the same refusal for every altered one, and every key of the ring (current, old, legacy)."""

from __future__ import annotations

import base64
import os
import struct

import pytest
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from app.core import crypto

KEY = bytes(range(32))
FERNET = Fernet(base64.urlsafe_b64encode(KEY))


def outcome(decrypt, token):
    try:
        return decrypt(token)
    except InvalidToken:
        return InvalidToken


def test_the_reader_decrypts_what_fernet_encrypted():
    reader = crypto.FernetReader(KEY)
    values = [b"", b"x", *(os.urandom(n) for n in range(1, 49)), b"32010219600101123X", "王大锤".encode()]
    for value in values:
        token = FERNET.encrypt(value)
        assert reader.decrypt(token) == FERNET.decrypt(token) == value


def test_every_altered_token_is_refused_as_fernet_refuses_it():
    reader = crypto.FernetReader(KEY)
    token = FERNET.encrypt(b"32010219600101123X")
    data = base64.urlsafe_b64decode(token)
    altered = []
    for i in range(len(data)):  # one bit of each byte: version, timestamp, IV, ciphertext, tag
        for bit in (0x01, 0x80):
            changed = bytearray(data)
            changed[i] ^= bit
            altered.append(bytes(changed))
    altered += [data[:n] for n in range(len(data))]  # cut short anywhere
    altered += [data + b"\x00", data + bytes(16)]  # lengthened
    for changed in altered:
        assert outcome(reader.decrypt, base64.urlsafe_b64encode(changed)) is InvalidToken
        assert outcome(FERNET.decrypt, base64.urlsafe_b64encode(changed)) is InvalidToken
    for garbage in (b"", b"not base64!", b"gAAAA", token[:-1], token.replace(b"=", b"")):
        assert outcome(reader.decrypt, garbage) is outcome(FERNET.decrypt, garbage) is InvalidToken


def _signed(blocks: bytes, iv: bytes = bytes(16)) -> bytes:
    """A token with a valid MAC around ciphertext ``blocks`` as given (what only a key holder can make)."""
    body = b"\x80" + struct.pack(">Q", 0) + iv + blocks
    mac = crypto_hmac.HMAC(KEY[:16], hashes.SHA256())
    mac.update(body)
    return base64.urlsafe_b64encode(body + mac.finalize())


def _cbc(plain: bytes, iv: bytes = bytes(16)) -> bytes:
    encryptor = Cipher(algorithms.AES(KEY[16:]), modes.CBC(iv)).encryptor()
    return encryptor.update(plain) + encryptor.finalize()


@pytest.mark.parametrize(
    "blocks",
    [
        b"",
        bytes(15),
        bytes(17),
        _cbc(b"0123456789abcde\x00"),
        _cbc(b"0123456789abc\x01\x02\x03"),
        _cbc(b"0123456789abcdef" + b"\x11" * 16),
    ],
    ids=["no ciphertext", "short block", "a block and a byte", "pad 0", "pad 3 wrong", "pad past a block"],
)
def test_a_signed_token_with_bad_blocks_or_padding_is_refused(blocks):
    token = _signed(blocks)
    assert outcome(crypto.FernetReader(KEY).decrypt, token) is outcome(FERNET.decrypt, token) is InvalidToken


def test_a_signed_token_made_by_hand_reads_as_fernet_reads_it():
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    token = _signed(_cbc(padder.update(b"hello") + padder.finalize(), iv), iv)
    assert crypto.FernetReader(KEY).decrypt(token) == FERNET.decrypt(token) == b"hello"


def test_the_bulk_decryptor_reads_every_key_of_the_ring(app, monkeypatch):
    with app.app_context():
        old_secret = app.config["DATA_KEY"]
        by_old = crypto.encrypt("32010219600101123X")
        legacy = crypto.current().fernet.encrypt(b"11010519491231002X")  # written before key ids
        monkeypatch.setitem(app.config, "DATA_KEY", "rotated-data-key-2026")
        monkeypatch.setitem(app.config, "DATA_KEY_OLD", old_secret)
        by_new = crypto.encrypt("320102196001011234")
        decrypt = crypto.decryptor()
        assert [decrypt(t) for t in (by_new, by_old, legacy)] == [crypto.decrypt(t) for t in (by_new, by_old, legacy)]
        assert [decrypt(t) for t in (by_new, by_old, legacy)] == [
            "320102196001011234",
            "32010219600101123X",
            "11010519491231002X",
        ]
        tampered = by_new[:-3] + (b"A" if by_new[-3:-2] != b"A" else b"B") + by_new[-2:]
        with pytest.raises(InvalidToken):
            decrypt(tampered)
        monkeypatch.setitem(app.config, "DATA_KEY_OLD", None)  # the old key gone: its values no longer read
        with pytest.raises(crypto.UnknownKey):
            crypto.decryptor()(by_old)
