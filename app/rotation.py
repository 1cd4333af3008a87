"""``flask rotate-keys``: move everything encrypted or keyed by ``DATA_KEY`` from the old key(s) to the new one.

Run with the new key in ``ANPEI_DATA_KEY`` and the former one(s) in ``ANPEI_DATA_KEY_OLD``. Re-encrypts ID
numbers (and re-keys their blind indexes), staged roster uploads, spot-check ticket secrets (and their code
indexes), API clients' webhook signing secrets and the answers kept for idempotent replays. Archive events are append-only and keep the key id they were signed with — the old key stays in
``ANPEI_DATA_KEY_OLD`` to verify them — but every head is re-signed under the new key and a checkpoint signed
with the new key pins them and retires the old key ids (the pins of ``archive_pins`` are re-signed too): an event,
head or pin signed with a retired key after the rotation is then reported by ``verify-archive``, so a leaked old key can no longer extend or rewrite a file
unnoticed. Lives at the top of the package (beside ``cli.py``) because it touches every domain's secrets.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.archive.checkpoints import pin_mac, write_checkpoint
from app.archive.models import ArchiveHead, ArchivePin
from app.archive.services import head_mac
from app.archive.verification import verify_chain
from app.core import crypto
from app.extensions import db
from app.people.models import ImportBatch, Person, permit_master_change

BATCH = 500


class RotationRefused(RuntimeError):
    """Nothing to rotate to, or the archive is already broken (rotating would bless it)."""


def rotate_keys(*, force: bool = False) -> dict[str, int]:
    """Re-encrypt and re-key under the current ``DATA_KEY`` (flushes; the CLI commits once, all or nothing).

    :return: how many rows of each kind were moved to the new key.
    :raises RotationRefused: without ``ANPEI_DATA_KEY_OLD``, or when the archive does not verify (unless forced).
    """
    new = crypto.current_kid()
    retired = tuple(k for k in (crypto.keys_for(s).kid for s in crypto.old_secrets()) if k != new)
    if not retired:
        raise RotationRefused("set ANPEI_DATA_KEY_OLD to the former key (and ANPEI_DATA_KEY to the new one)")
    _, breaks = verify_chain()
    if breaks and not force:
        raise RotationRefused(f"the archive does not verify ({len(breaks)} break(s)): run verify-archive first")
    counts = {
        "persons": _persons(new),
        "roster uploads": _import_batches(new),
        "spot-check tickets": _tickets(new),
        "API clients' signing secrets and stored answers": _api(new),
        "archive heads": _heads(new),
        "archive pins": _pins(new),
    }
    checkpoint = write_checkpoint(retired_keys=retired)
    counts["checkpoint"] = checkpoint.id
    return counts


def _stale(token: bytes | None, new: str) -> bool:
    return token is not None and crypto.token_kid(token) != new


def _in_batches(model, key):
    ids = db.session.scalars(sa.select(key).order_by(key)).all()
    for start in range(0, len(ids), BATCH):
        yield from db.session.scalars(sa.select(model).where(key.in_(ids[start : start + BATCH])))


def _persons(new: str) -> int:
    moved = 0
    for person in _in_batches(Person, Person.id):
        if not _stale(person.id_number_enc, new):
            continue
        number = person.id_number
        permit_master_change(person)
        person.id_number_enc = crypto.encrypt(number)
        person.id_hash = crypto.blind_index(person.id_type.value, number)
        moved += 1
    db.session.flush()
    return moved


def _import_batches(new: str) -> int:
    moved = 0
    for batch in _in_batches(ImportBatch, ImportBatch.id):
        if _stale(batch.rows_enc, new):
            batch.rows_enc = crypto.encrypt_bytes(crypto.decrypt_bytes(batch.rows_enc))
            moved += 1
        if _stale(batch.upload_enc, new):
            batch.upload_enc = crypto.encrypt_bytes(crypto.decrypt_bytes(batch.upload_enc))
    db.session.flush()
    return moved


def _tickets(new: str) -> int:
    from app.spotchecks.models import SpotCheckTicket
    from app.spotchecks.tickets import normalise_code

    moved = 0
    for ticket in _in_batches(SpotCheckTicket, SpotCheckTicket.id):
        if not _stale(ticket.secret_enc, new):
            continue
        secret = crypto.decrypt(ticket.secret_enc)
        _token, _sep, code = secret.partition(" ")
        ticket.secret_enc = crypto.encrypt(secret)
        ticket.code_hash = crypto.blind_index("spotcheck-code", normalise_code(code))
        moved += 1
    db.session.flush()
    return moved


def _api(new: str) -> int:
    """The API clients' webhook signing secrets and the encrypted answers kept for Idempotency-Key replays."""
    from app.api.models import ApiClient, IdempotencyRecord

    moved = 0
    for client in _in_batches(ApiClient, ApiClient.id):
        if _stale(client.secret_enc, new):
            client.secret_enc = crypto.encrypt(crypto.decrypt(client.secret_enc))
            moved += 1
    for record in _in_batches(IdempotencyRecord, IdempotencyRecord.id):
        if _stale(record.body_enc, new):
            record.body_enc = crypto.encrypt_bytes(crypto.decrypt_bytes(record.body_enc))
            moved += 1
    db.session.flush()
    return moved


def _heads(new: str) -> int:
    heads = ArchiveHead.__table__
    moved = 0
    rows = db.session.execute(sa.select(heads.c.person_id, heads.c.seq, heads.c.hash, heads.c.key_id)).all()
    for person_id, seq, hash_, kid in rows:
        if kid == new:
            continue
        db.session.execute(
            sa.update(heads)
            .where(heads.c.person_id == person_id, heads.c.seq == seq)
            .values(key_id=new, mac=head_mac(person_id, seq, hash_, new))
        )
        moved += 1
    return moved


def _pins(new: str) -> int:
    pins = ArchivePin.__table__
    moved = 0
    rows = db.session.execute(sa.select(pins.c.person_id, pins.c.checkpoint_id, pins.c.seq, pins.c.hash, pins.c.key_id))
    for person_id, checkpoint_id, seq, hash_, kid in rows.all():
        if kid == new:
            continue
        db.session.execute(
            sa.update(pins)
            .where(pins.c.person_id == person_id, pins.c.checkpoint_id == checkpoint_id)
            .values(key_id=new, mac=pin_mac(person_id, checkpoint_id, seq, hash_, new))
        )
        moved += 1
    return moved
