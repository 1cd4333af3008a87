"""The archive at scale: checkpoints as signed Merkle roots over the heads that moved, a proof per person, old
checkpoints still read, and the incremental verification (new events + a sample) beside the full one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.archive import merkle
from app.archive.checkpoints import proof_for, verify_proof, write_checkpoint
from app.archive.epochs import seal_and_purge
from app.archive.models import ArchiveCheckpoint, ArchiveHead, ArchiveVerificationRun
from app.archive.services import canonical_json, record_event
from app.archive.verification import verify_archive, verify_chain
from app.archive.verification_runs import record_run
from app.core import crypto
from app.core.db import utcnow
from app.extensions import db
from app.people.models import Post
from tests.archive.test_chain import chain, tamper

# ---------------------------------------------------------------- the tree


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 13])
def test_every_leaf_has_a_proof_and_a_changed_leaf_has_none(count):
    leaves = [merkle.Leaf(p, p + 1, 0, f"{p:064x}") for p in range(1, count + 1)]
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    root = merkle.root(hashes)
    blob = b"".join(merkle.pack(leaf) for leaf in leaves)
    assert list(merkle.leaves(blob)) == leaves and len(blob) == 44 * count
    for index, leaf in enumerate(leaves):
        assert merkle.find(blob, leaf.person_id) == index
        siblings = merkle.proof(hashes, index)
        assert merkle.verify(leaf, index, count, siblings, root)
        assert not merkle.verify(leaf._replace(seq=leaf.seq + 1), index, count, siblings, root)
        assert not merkle.verify(leaf._replace(hash="f" * 64), index, count, siblings, root)
        if count > 1:
            assert not merkle.verify(leaf, (index + 1) % count, count, siblings, root)
    assert merkle.find(blob, count + 1) is None


# ---------------------------------------------------------------- checkpoints


@pytest.fixture
def people(world, factory):
    """person_a (2 events) and three operators with three events each: 11 events in 4 files."""
    persons = [world.person_a]
    for n in range(3):
        person = factory.employ(world.ent_a, name=f"焊工{n}", post=Post.SPECIAL_OPERATOR, actor=world.admin_a).person
        record_event(person.id, "note", {"n": n})
        persons.append(person)
    db.session.commit()
    return persons


def head(person_id):
    db.session.expire_all()
    return db.session.get(ArchiveHead, person_id)


def test_a_checkpoint_pins_only_the_heads_that_moved_and_continues_the_previous_one(people):
    first = write_checkpoint()
    db.session.commit()
    assert first.person_count == 4 and len(first.leaves) == 4 * merkle.RECORD.size
    record_event(people[1].id, "note", {"later": True})
    db.session.commit()
    second = write_checkpoint()
    db.session.commit()
    assert second.person_count == 1 and len(second.leaves) == merkle.RECORD.size
    assert (second.previous_id, second.previous_root) == (first.id, first.root)
    [leaf] = merkle.leaves(second.leaves)
    assert leaf == merkle.Leaf(people[1].id, 4, 3, head(people[1].id).hash)  # events 4 on, after seq 3
    third = write_checkpoint()
    assert third.person_count == 0 and third.root == merkle.EMPTY_ROOT


def test_a_proof_verifies_for_a_pinned_person_and_fails_for_a_changed_head(people):
    write_checkpoint()
    db.session.commit()
    person = people[2].id
    pinned = head(person)
    proof = proof_for(person)
    assert proof is not None and proof.leaf_count == 4 and len(proof.siblings) == 2
    assert verify_proof(proof, pinned.seq, pinned.hash)
    record_event(person, "note", {"later": True})
    db.session.commit()
    moved = head(person)
    assert not verify_proof(proof, moved.seq, moved.hash)  # the head moved on: this proof is of the old one
    assert not verify_proof(proof, pinned.seq, moved.hash)
    write_checkpoint()
    db.session.commit()
    assert verify_proof(proof_for(person), moved.seq, moved.hash)


def test_a_checkpoint_deleted_from_the_middle_is_reported(app, people):
    write_checkpoint()
    record_event(people[0].id, "note", {})
    db.session.commit()
    middle = write_checkpoint()
    record_event(people[0].id, "note", {})
    db.session.commit()
    last = write_checkpoint()
    db.session.commit()
    assert verify_chain()[1] == []
    ids = (middle.id - 1, middle.id, last.id)
    tamper("DELETE FROM archive_pins", {})  # the index goes with it (nothing may point at a deleted row)
    tamper("DELETE FROM archive_checkpoints WHERE id = :id", {"id": ids[1]})
    reasons = [b.reason for b in verify_chain()[1]]
    assert reasons == [f"checkpoint {ids[2]} does not continue checkpoint {ids[0]}"]


def first_format_checkpoint() -> int:
    """A checkpoint as written before migration 0901: every head copied into the signed body."""
    heads = {str(h.person_id): [h.seq, h.hash] for h in db.session.scalars(sa.select(ArchiveHead))}
    body = canonical_json({"heads": heads, "retired_keys": []})
    at, kid = utcnow(), crypto.current_kid()
    mac = crypto.chain_mac(f"checkpoint|{at.isoformat(timespec='microseconds')}|{body}".encode(), kid)
    row = db.session.execute(
        sa.insert(ArchiveCheckpoint.__table__)
        .values(at=at, key_id=kid, person_count=len(heads), body=body, mac=mac)
        .returning(ArchiveCheckpoint.id)
    )
    checkpoint_id = row.scalar_one()
    db.session.commit()
    return checkpoint_id


def test_checkpoints_of_the_first_format_still_verify_and_still_pin(app, people):
    old = first_format_checkpoint()
    assert verify_chain()[1] == [] and verify_chain(people[1].id)[1] == []
    newer = write_checkpoint()  # the first Merkle checkpoint pins every head, and continues the old one
    db.session.commit()
    assert newer.person_count == 4 and newer.previous_id == old
    assert verify_chain()[1] == []
    result = app.test_cli_runner().invoke(args=["verify-archive"])
    assert result.exit_code == 0, result.output


def test_a_cut_tail_pinned_only_by_a_first_format_checkpoint_is_reported(people):
    person = people[1].id
    old = first_format_checkpoint()
    # the tail cut, and the head put back as a head filled in by migration 0004 would read (no MAC)
    values = {"p": person, "seq": 2, "hash": chain(person)[1].hash}
    tamper("DELETE FROM archive_events WHERE id = :id", {"id": chain(person)[-1].id})
    tamper("UPDATE archive_heads SET seq = :seq, hash = :hash, mac = NULL WHERE person_id = :p", values)
    reasons = [b.reason for b in verify_chain()[1]]
    assert reasons == [f"checkpoint {old} lists seq 3, now missing (events deleted?)"]


# ---------------------------------------------------------------- incremental verification


def verified(**kwargs):
    """Pin, then verify the whole archive from its start and record the run: the base of the next incremental run."""
    write_checkpoint()
    db.session.commit()
    outcome = verify_archive(full=True, **kwargs)
    assert outcome.breaks == []
    run = record_run(outcome)
    db.session.commit()
    return run


def incremental(sample=0):
    outcome = verify_archive(sample=sample)
    record_run(outcome)
    db.session.commit()
    return outcome


def test_the_incremental_run_rehashes_only_the_new_events_and_records_what_it_verified(people):
    base = verified()
    assert (base.mode, base.events_checked, base.chains_checked, base.result) == ("full", 11, 4, "intact")
    record_event(people[1].id, "note", {"new": 1})
    record_event(people[1].id, "note", {"new": 2})
    record_event(people[2].id, "note", {"new": 3})
    db.session.commit()
    pinned = write_checkpoint()
    db.session.commit()
    outcome = incremental()
    assert (outcome.mode, outcome.checked, outcome.chains, outcome.breaks) == ("incremental", 3, 2, [])
    run = db.session.scalars(sa.select(ArchiveVerificationRun).order_by(ArchiveVerificationRun.id.desc())).first()
    assert (run.first_checkpoint_id, run.last_checkpoint_id) == (pinned.id, pinned.id)
    assert (run.events_checked, run.chains_checked, run.chains_sampled, run.result) == (3, 2, 0, "intact")
    nothing_new = incremental()
    assert (nothing_new.checked, nothing_new.chains, nothing_new.first_checkpoint_id) == (0, 0, None)
    sampled = incremental(sample=1000)  # a sample as large as the archive re-hashes every chain
    assert (sampled.checked, sampled.chains, sampled.sampled) == (14, 4, 4)


def test_an_old_event_edited_is_found_by_the_full_run_and_by_the_sample_that_draws_it(people):
    verified()
    record_event(people[1].id, "note", {"new": 1})
    db.session.commit()
    write_checkpoint()
    db.session.commit()
    old = chain(people[3].id)[1]
    tamper("UPDATE archive_events SET payload = '{}' WHERE id = :id", {"id": old.id})
    assert incremental(sample=0).breaks == []  # nobody drew that chain, and it has nothing new
    [found] = verify_archive(full=True).breaks
    assert (found.event_id, found.reason) == (old.id, "content does not match its hash (edited after writing)")
    [drawn] = verify_archive(sample=1000).breaks
    assert drawn.event_id == old.id


def test_a_new_event_edited_is_found_by_the_incremental_run_and_again_by_the_next(people):
    verified()
    record_event(people[2].id, "note", {"new": 1})
    new = record_event(people[2].id, "note", {"new": 2})
    db.session.commit()
    write_checkpoint()
    db.session.commit()
    tamper("UPDATE archive_events SET payload = '{}' WHERE id = :id", {"id": new.id})
    [found] = incremental(sample=0).breaks
    assert (found.event_id, found.person_id) == (new.id, people[2].id) and "edited after writing" in found.reason
    # the broken run is not a base: the next run checks the same checkpoints, and that chain whole, again
    [again] = incremental(sample=0).breaks
    assert again.event_id == new.id


def test_a_cut_tail_of_new_events_is_found_by_the_incremental_run(people):
    verified()
    record_event(people[1].id, "note", {"new": 1})
    db.session.commit()
    write_checkpoint()
    db.session.commit()
    tamper("DELETE FROM archive_events WHERE id = :id", {"id": chain(people[1].id)[-1].id})
    reasons = {b.reason for b in incremental(sample=0).breaks}
    assert "last events deleted: the head is at seq 4, the chain ends at seq 3" in reasons


def test_a_purge_is_not_tampering_in_either_mode_and_tampering_after_it_still_shows(people):
    operator = people[1].id
    verified()
    seal_and_purge(operator, 2)  # the start of the file, sealed under an epoch
    seal_and_purge(people[2].id, 3)  # a whole file: its pin (seq 3) now lies under the epoch
    db.session.commit()
    assert incremental(sample=0).breaks == [] and incremental(sample=1000).breaks == []
    assert verify_archive(full=True).breaks == []
    record_event(people[2].id, "note", {"after": True})  # goes on from the epoch
    record_event(operator, "note", {"after": True})  # goes on from its pin, after the epoch
    db.session.commit()
    write_checkpoint()
    db.session.commit()
    assert incremental(sample=0).breaks == []
    assert [e.seq for e in chain(people[2].id)] == [4]
    edited = record_event(operator, "note", {"later": True})
    db.session.commit()
    write_checkpoint()
    db.session.commit()
    tamper("UPDATE archive_events SET payload = '{}' WHERE id = :id", {"id": edited.id})
    [found] = incremental(sample=0).breaks
    assert found.event_id == edited.id


def test_a_forged_run_cannot_make_the_next_run_skip_the_new_events(people):
    base = verified()
    record_event(people[1].id, "note", {"new": 1})
    db.session.commit()
    write_checkpoint()
    db.session.commit()
    tamper(
        "INSERT INTO archive_verification_runs (mode, started_at, finished_at, first_checkpoint_id, "
        "last_checkpoint_id, events_checked, chains_checked, chains_sampled, breaks, result, detail, key_id, mac) "
        "SELECT mode, started_at, finished_at, first_checkpoint_id, last_checkpoint_id + 1, events_checked, "
        "chains_checked, chains_sampled, breaks, result, detail, key_id, mac FROM archive_verification_runs "
        "WHERE id = :id",
        {"id": base.id},
    )
    outcome = verify_archive(sample=0)
    assert outcome.mode == "full"  # the forged run is not a base
    assert [b.reason for b in outcome.breaks] == [f"verification run {base.id + 1} signature invalid"]


def test_the_cli_verifies_incrementally_by_default_and_everything_with_full(app, people):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["verify-archive"])
    assert first.exit_code == 0 and "archive intact: 11 event(s) checked (full: 4 chain(s)" in first.output
    record_event(people[1].id, "note", {"new": 1})
    db.session.commit()
    second = runner.invoke(args=["verify-archive"])  # from the first run on: every checkpoint since is new
    assert second.exit_code == 0 and "(incremental: 4 chain(s), 4 of them sampled)" in second.output
    app.config["ARCHIVE_VERIFY_SAMPLE"] = 0
    try:
        record_event(people[1].id, "note", {"new": 2})
        db.session.commit()
        third = runner.invoke(args=["verify-archive"])
        assert "archive intact: 2 event(s) checked (incremental: 1 chain(s), 0 of them sampled)" in third.output
        full = runner.invoke(args=["verify-archive", "--full"])
        assert "archive intact: 13 event(s) checked (full: 4 chain(s)" in full.output
    finally:
        app.config["ARCHIVE_VERIFY_SAMPLE"] = 1000


def test_the_nightly_task_records_its_run(people):
    from app.archive.tasks import verify_all

    assert verify_all.delay().get(timeout=60) == {"checked": 11, "broken": []}
    db.session.rollback()
    run = db.session.scalars(sa.select(ArchiveVerificationRun)).one()
    assert (run.mode, run.events_checked, run.chains_checked, run.result) == ("full", 11, 4, "intact")


def test_the_weekly_full_run_finds_the_old_edit_the_nightly_sample_missed(app, people):
    from app.archive.tasks import verify_all

    schedule = app.config["CELERY"]["beat_schedule"]
    weekly = schedule["archive-verify-weekly-full"]
    assert (weekly["task"], weekly["kwargs"]) == ("archive.verify_all", {"full": True})
    verified()
    old = chain(people[3].id)[1]
    tamper("UPDATE archive_events SET payload = '{}' WHERE id = :id", {"id": old.id})
    app.config["ARCHIVE_VERIFY_SAMPLE"] = 0
    try:
        # in this process, with its sample setting (a worker would read its own)
        assert verify_all()["broken"] == []  # the nightly run: nothing new, nothing drawn
        [found] = verify_all(**weekly["kwargs"])["broken"]
    finally:
        app.config["ARCHIVE_VERIFY_SAMPLE"] = 1000
    assert found == {
        "person": people[3].id,
        "event": old.id,
        "reason": "content does not match its hash (edited after writing)",
    }
