"""Tail deletions: per-person heads and signed checkpoints make a shortened or vanished file visible; key ids
let ``ANPEI_DATA_KEY`` be rotated (``flask rotate-keys``)."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from app.archive.checkpoints import write_checkpoint
from app.archive.models import ArchiveCheckpoint, ArchiveEvent, ArchiveHead
from app.archive.services import record_event
from app.archive.tasks import checkpoint as checkpoint_task
from app.archive.verification import verify_chain
from app.core import crypto
from app.extensions import db
from app.people.models import IdType, Person
from app.people.services import end_employment, find_person
from tests.archive.test_chain import chain, tamper


@pytest.fixture
def file_of_three(world):
    """person_a with three events: registered, started, ended."""
    end_employment(world.person_a.employments[0], actor=world.admin_a, end_date=date(2025, 6, 30), reason="调离")
    db.session.commit()
    return world.person_a


def verify_cli(app, *args):
    return app.test_cli_runner().invoke(args=["verify-archive", *args])


def head_of(person_id):
    db.session.expire_all()
    return db.session.get(ArchiveHead, person_id)


def test_the_head_follows_every_event_in_the_same_transaction(file_of_three):
    events = chain(file_of_three.id)
    head = head_of(file_of_three.id)
    assert (head.seq, head.hash) == (3, events[-1].hash) and head.key_id == crypto.current_kid()
    record_event(file_of_three.id, "note", {"text": "x"})
    db.session.rollback()  # the event and the head move together, or neither does
    assert head_of(file_of_three.id).seq == 3 and len(chain(file_of_three.id)) == 3


def test_deleting_the_last_events_is_reported(app, file_of_three):
    assert verify_cli(app).exit_code == 0
    last = chain(file_of_three.id)[-1]
    tamper("DELETE FROM archive_events WHERE id = :id", {"id": last.id})
    result = verify_cli(app)
    assert result.exit_code == 1
    assert (
        f"BROKEN person {file_of_three.id} (seq 3): last events deleted: the head is at seq 3, the chain ends at seq 2"
        in result.output
    )


def test_deleting_a_whole_chain_is_reported(app, file_of_three):
    tamper("DELETE FROM archive_events WHERE person_id = :p", {"p": file_of_three.id})
    result = verify_cli(app, "--person", str(file_of_three.id))
    assert result.exit_code == 1
    assert "whole chain deleted: the head is at seq 3 but no event is left" in result.output


def test_deleting_chain_and_head_is_caught_by_the_checkpoint(app, file_of_three):
    assert checkpoint_task.delay().get(timeout=60)["persons"] == 1
    tamper("DELETE FROM archive_events WHERE person_id = :p", {"p": file_of_three.id})
    tamper("DELETE FROM archive_heads WHERE person_id = :p", {"p": file_of_three.id})
    result = verify_cli(app)
    assert result.exit_code == 1
    assert f"BROKEN person {file_of_three.id} (seq 3): checkpoint" in result.output
    assert "lists seq 3, now missing (events deleted?)" in result.output


def test_rolling_the_head_back_with_the_tail_is_reported(app, file_of_three):
    events = chain(file_of_three.id)
    tamper("DELETE FROM archive_events WHERE id = :id", {"id": events[-1].id})
    tamper(
        "UPDATE archive_heads SET seq = 2, hash = :h WHERE person_id = :p", {"h": events[1].hash, "p": file_of_three.id}
    )
    [broken] = verify_chain(file_of_three.id)[1]
    assert broken.reason == "head signature invalid"


def test_a_forged_checkpoint_is_reported(app, file_of_three):
    write_checkpoint()
    db.session.commit()
    row = db.session.scalars(sa.select(ArchiveCheckpoint)).one()
    body = json.loads(row.body)
    body["heads"] = {}
    tamper("UPDATE archive_checkpoints SET body = :b WHERE id = :id", {"b": json.dumps(body), "id": row.id})
    breaks = verify_chain()[1]
    assert [b.reason for b in breaks] == [f"checkpoint {row.id} signature invalid"]


def test_checkpoint_is_scheduled_beside_the_nightly_verification(app):
    schedule = app.config["CELERY"]["beat_schedule"]
    assert schedule["archive-checkpoint-hourly"]["task"] == "archive.checkpoint"
    assert schedule["archive-verify-nightly"]["task"] == "archive.verify_all"


# ---------------------------------------------------------------- key ids and rotation


def test_ciphertexts_and_macs_carry_their_key_id(world):
    person = db.session.get(Person, world.person_a.id)
    assert crypto.token_kid(person.id_number_enc) == crypto.current_kid()
    assert {e.key_id for e in chain(person.id)} == {crypto.current_kid()}


@pytest.fixture
def rekeyed(app):
    """Switch ``DATA_KEY`` to a new key with the old one in ``DATA_KEY_OLD``, as the environment would."""
    old = app.config["DATA_KEY"]

    def switch(new_key="rotated-data-key-2026", keep_old=True):
        app.config["DATA_KEY"], app.config["DATA_KEY_OLD"] = new_key, (old if keep_old else None)

    yield switch
    app.config["DATA_KEY"], app.config["DATA_KEY_OLD"] = old, None


def test_rotate_keys_reencrypts_and_rekeys_everything(app, world, file_of_three, rekeyed):
    number = world.person_a.id_number
    old_kid = crypto.current_kid()
    runner = app.test_cli_runner()
    rekeyed()
    assert find_person(IdType.RESIDENT_ID, number).id == world.person_a.id  # still found mid-rotation
    result = runner.invoke(args=["rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "persons: 1" in result.output and "archive heads: 1" in result.output
    db.session.expire_all()
    person = db.session.get(Person, world.person_a.id)
    new_kid = crypto.current_kid()
    assert new_kid != old_kid and crypto.token_kid(person.id_number_enc) == new_kid
    assert person.id_hash == crypto.blind_index("resident_id", number, new_kid)
    # new events are signed with the new key, the file still verifies with the old key configured
    record_event(person.id, "note", {"text": "after rotation"})
    db.session.commit()
    assert chain(person.id)[-1].key_id == new_kid
    assert verify_cli(app).exit_code == 0
    # everything encrypted now reads without the old key
    rekeyed(keep_old=False)
    assert find_person(IdType.RESIDENT_ID, number).id_number == number
    rekeyed()
    assert runner.invoke(args=["rotate-keys"]).output.strip().startswith("persons: 0")


def test_after_rotation_a_leaked_old_key_cannot_extend_a_file(app, world, file_of_three, rekeyed):
    from app.archive.services import _digest, head_mac

    old_kid = crypto.current_kid()
    rekeyed()
    assert app.test_cli_runner().invoke(args=["rotate-keys"]).exit_code == 0
    # a forger holding the old key appends an event signed with it, and moves the head along
    last = chain(file_of_three.id)[-1]
    at = last.at
    fields = (file_of_three.id, 4, "note", "{}", None, None, "system", at)
    forged = _digest(last.hash, *fields, key_id=old_kid)
    tamper(
        "INSERT INTO archive_events (person_id, seq, kind, payload, enterprise_id, actor_id, actor_label, at, "
        "prev_hash, hash, key_id) VALUES (:p, 4, 'note', '{}', NULL, NULL, 'system', :at, :prev, :h, :k)",
        {"p": file_of_three.id, "at": at, "prev": last.hash, "h": forged, "k": old_kid},
    )
    tamper(
        "UPDATE archive_heads SET seq = 4, hash = :h, key_id = :k, mac = :m WHERE person_id = :p",
        {"h": forged, "k": old_kid, "m": head_mac(file_of_three.id, 4, forged, old_kid), "p": file_of_three.id},
    )
    reasons = [b.reason for b in verify_chain(file_of_three.id)[1]]
    assert reasons == ["head signature invalid"]


def test_rotate_keys_needs_the_old_key_and_an_intact_archive(app, file_of_three, rekeyed):
    runner = app.test_cli_runner()
    assert "ANPEI_DATA_KEY_OLD" in runner.invoke(args=["rotate-keys"]).output
    tamper("DELETE FROM archive_events WHERE id = :id", {"id": chain(file_of_three.id)[-1].id})
    rekeyed()
    result = runner.invoke(args=["rotate-keys"])
    assert result.exit_code == 1 and "the archive does not verify (1 break(s))" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveCheckpoint)) == 0
    assert {e.key_id for e in db.session.scalars(sa.select(ArchiveEvent))} != set()
