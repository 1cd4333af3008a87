"""Retention by rule rows, the purge job with and without a legal hold, epochs in ``verify-archive``, the report."""

from __future__ import annotations

import threading
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from app.archive.checkpoints import write_checkpoint
from app.archive.epochs import seal_and_purge
from app.archive.models import ArchiveEpoch, ArchiveEvent
from app.archive.services import record_event
from app.archive.verification import verify_chain
from app.core.storage import storage
from app.extensions import db
from app.people.models import Post, Snapshot, SnapshotConsent, SnapshotContext
from app.records.holds import set_hold
from app.records.models import PurgeRun
from app.records.purge import purge
from app.records.retention import KEYS, Tracks, event_keeper, snapshot_kept_until, tracks_of
from app.rules.models import Rule
from app.rules.queries import rule_book
from tests.archive.test_chain import chain, tamper

#: The fixed clock: long after the world's events (written today) are past every retention.
LATER = datetime(2040, 1, 1)


def verify_cli(app, *args):
    return app.test_cli_runner().invoke(args=["verify-archive", *args])


@pytest.fixture
def operator(world, factory):
    """A 特种作业人员 of enterprise A with three more events: five in all."""
    person = factory.employ(world.ent_a, name="李焊工", post=Post.SPECIAL_OPERATOR, actor=world.admin_a).person
    for n in range(3):
        record_event(person.id, "note", {"n": n})
    db.session.commit()
    return person


# ---------------------------------------------------------------- retention per kind (fixed clock)


def test_retention_dates_come_from_the_rule_rows_by_kind(app):
    book = rule_book(KEYS)
    special = event_keeper(book, Tracks(special=True, special_end=date(2030, 6, 30)))
    # 6 years after the certificate ends, to the end of that day (Asia/Shanghai midnight = 16:00 UTC the day before)
    assert special("exam.graded", datetime(2025, 1, 1)) == datetime(2036, 6, 30, 16, 0)
    manager = event_keeper(book, Tracks(manager=True, manager_end=date(2030, 6, 30)))
    assert manager("certificate.issued", datetime(2025, 1, 1)) == datetime(2033, 6, 30, 16, 0)
    both = event_keeper(book, Tracks(special=True, manager=True, manager_end=date(2035, 1, 1)))
    assert both("note", datetime(2025, 3, 1, 4, 0)) == datetime(2038, 1, 1, 16, 0)  # the longer track wins
    assert special("snapshot.consent", datetime(2025, 3, 1, 4, 0)) == datetime(2028, 3, 1, 16, 0)
    assert event_keeper(book, Tracks())("note", datetime(2000, 1, 1)) is None  # no track, no rule: kept
    assert snapshot_kept_until(book, SnapshotContext.EXAM, datetime(2025, 3, 1, 4, 0)) == datetime(2028, 3, 1, 16, 0)


def test_a_new_rule_version_applies_from_its_date(world):
    db.session.add(
        Rule(key="retention.snapshot_years", label="x", value=5, unit="年", region_code="", valid_from=date(2027, 1, 1))
    )
    db.session.flush()
    book = rule_book(KEYS)
    assert snapshot_kept_until(book, SnapshotContext.LESSON, datetime(2026, 6, 1, 4)) == datetime(2029, 6, 1, 16)
    assert snapshot_kept_until(book, SnapshotContext.LESSON, datetime(2027, 6, 1, 4)) == datetime(2032, 6, 1, 16)


def test_tracks_come_from_posts(world, operator):
    tracks = tracks_of([operator.id, world.person_a.id])
    assert tracks[operator.id].special and not tracks[operator.id].manager
    assert tracks[world.person_a.id] == Tracks()


# ---------------------------------------------------------------- epochs: purge is not tampering


def test_a_chain_that_starts_at_a_valid_epoch_verifies(app, operator):
    write_checkpoint()
    third = chain(operator.id)[2].hash
    epoch = seal_and_purge(operator.id, 3)
    db.session.commit()
    assert [e.seq for e in chain(operator.id)] == [4, 5]
    assert (epoch.from_seq, epoch.through_seq, epoch.count, epoch.through_hash) == (1, 3, 3, third)
    assert verify_chain(operator.id)[1] == []
    assert verify_cli(app).exit_code == 0
    record_event(operator.id, "note", {"after": True})  # the chain goes on after the epoch
    db.session.commit()
    assert verify_chain()[1] == []


def test_a_whole_file_purged_verifies_and_goes_on_from_its_head(operator):
    seal_and_purge(operator.id, 5)
    db.session.commit()
    assert chain(operator.id) == [] and verify_chain()[1] == []
    event = record_event(operator.id, "note", {"after": True})
    db.session.commit()
    assert event.seq == 6 and verify_chain()[1] == []


def test_tampering_after_a_purge_is_still_detected(app, operator):
    seal_and_purge(operator.id, 3)
    db.session.commit()
    kept = chain(operator.id)[0]
    tamper("UPDATE archive_events SET payload = :p WHERE id = :id", {"p": '{"n":9}', "id": kept.id})
    result = verify_cli(app)
    assert result.exit_code == 1 and "content does not match its hash" in result.output


def test_a_deletion_without_an_epoch_is_still_detected(app, operator):
    first = chain(operator.id)[0]
    tamper("DELETE FROM archive_events WHERE id = :id", {"id": first.id})
    result = verify_cli(app)
    assert result.exit_code == 1 and "sequence gap: expected 1, found 2" in result.output


def test_a_forged_epoch_does_not_verify(app, operator):
    seal_and_purge(operator.id, 2)
    db.session.commit()
    epoch = db.session.scalars(sa.select(ArchiveEpoch)).one()
    tamper("UPDATE archive_epochs SET count = 1 WHERE id = :id", {"id": epoch.id})
    _checked, breaks = verify_chain(operator.id)
    assert any("signature invalid" in b.reason for b in breaks)


def test_events_deleted_past_the_epoch_are_detected(app, operator):
    seal_and_purge(operator.id, 2)
    db.session.commit()
    fourth = chain(operator.id)[1]
    tamper("DELETE FROM archive_events WHERE id = :id", {"id": fourth.id})
    assert any("sequence gap" in b.reason for b in verify_chain(operator.id)[1])


# ---------------------------------------------------------------- the purge job and legal holds


def _snapshot(person, *, taken_at, context=SnapshotContext.LESSON, ref_id=1, **flags) -> tuple[int, str]:
    """A stored 人像抓拍 and its file: (id, storage key)."""
    key = f"snapshots/test-{person.id}-{taken_at:%Y%m%d%H%M%S}-{ref_id}.jpg"
    storage().put(key, b"jpeg", "image/jpeg")
    snap = Snapshot(
        person_id=person.id, context=context, ref_id=ref_id, taken_at=taken_at, storage_key=key, sha256="0" * 64
    )
    for name, value in flags.items():
        setattr(snap, name, value)
    db.session.add(snap)
    db.session.commit()
    return snap.id, key


def test_purge_seals_expired_events_and_deletes_expired_snapshots_with_their_files(app, world, operator):
    old = _snapshot(operator, taken_at=datetime(2030, 1, 1))
    reviewing = _snapshot(operator, taken_at=datetime(2030, 1, 1), ref_id=2, needs_review=True)
    run = purge(db.session.commit, now=LATER)
    assert chain(operator.id) == []  # all five past 6 years
    assert len(chain(world.person_a.id)) == 2  # no track: no rule, kept
    assert (run.events_purged, run.snapshots_purged, run.persons_purged, run.held_skipped) == (5, 1, 1, 0)
    assert run.kinds["note"] == 3 and run.kinds["snapshot.lesson"] == 1 and run.finished_at is not None
    assert db.session.get(Snapshot, old[0]) is None and storage().size(old[1]) is None
    assert (
        db.session.get(Snapshot, reviewing[0]) is not None and storage().size(reviewing[1]) == 4
    )  # an open 复核 depends on it
    assert verify_cli(app).exit_code == 0
    assert purge(db.session.commit, now=LATER).events_purged == 0  # nothing left to do the next night


def test_nothing_is_purged_before_its_time(operator):
    run = purge(db.session.commit, now=datetime(2027, 1, 1))
    assert run.events_purged == 0 and len(chain(operator.id)) == 5


def test_withdrawn_consent_purges_snapshots_nothing_depends_on(world, operator):
    kept = _snapshot(operator, taken_at=datetime(2026, 1, 1), ref_id=7, credit_held=True)
    gone = _snapshot(operator, taken_at=datetime(2026, 1, 1), ref_id=8)
    for ref_id in (7, 8):
        db.session.add(
            SnapshotConsent(
                person_id=operator.id,
                context=SnapshotContext.LESSON,
                ref_id=ref_id,
                granted=False,
                at=datetime(2026, 2, 1),
            )
        )
    db.session.commit()
    run = purge(db.session.commit, now=datetime(2026, 3, 1))
    assert run.snapshots_purged == 1 and run.events_purged == 0
    assert db.session.get(Snapshot, gone[0]) is None and db.session.get(Snapshot, kept[0]) is not None


@pytest.mark.parametrize("on", ["person", "enterprise"])
def test_a_legal_hold_stops_the_purge(app, world, operator, on):
    snap = _snapshot(operator, taken_at=datetime(2030, 1, 1))
    subject = {"person_id": operator.id} if on == "person" else {"enterprise_id": world.ent_a.id}
    set_hold(world.regulator_nj, reason="事故调查", now=datetime(2026, 12, 1), **subject)
    db.session.commit()
    run = purge(db.session.commit, now=LATER)
    assert run.events_purged == 0 and run.snapshots_purged == 0 and len(chain(operator.id)) == 5
    assert operator.id in run.held_person_ids and run.held_skipped >= 1
    assert db.session.get(Snapshot, snap[0]) is not None


@pytest.mark.parametrize("on", ["person", "enterprise"])
def test_a_hold_committed_while_a_batch_runs_stops_its_deletions(app, world, operator, on, monkeypatch):
    """A regulator places a hold on another connection as the first batch starts, and commits it after the batch
    has read who is held but before it deletes anything: the held person's file, snapshot and its image stay, and
    the run reports them held."""
    from app.auth.models import User
    from app.records import purge as purge_module

    snap = _snapshot(operator, taken_at=datetime(2030, 1, 1))
    subject = {"person_id": operator.id} if on == "person" else {"enterprise_id": world.ent_a.id}
    regulator_id = world.regulator_nj.id
    flushed, go, errors = threading.Event(), threading.Event(), []

    def place_hold():
        try:
            with app.app_context():
                regulator = db.session.get(User, regulator_id)
                set_hold(regulator, reason="事故调查", now=datetime(2026, 12, 1), **subject)
                flushed.set()  # placed, not yet committed
                go.wait(timeout=1)  # a purge that waits for the hold never says go: commit after a second
                db.session.commit()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
            flushed.set()

    holder = threading.Thread(target=place_hold)
    real_rule_book, real_tracks_of = purge_module.rule_book, purge_module.tracks_of

    def batch_starts(keys):  # before the first batch: the hold is placed (its transaction open)
        if not holder.is_alive() and not go.is_set() and not flushed.is_set():
            holder.start()
            assert flushed.wait(timeout=10)
        return real_rule_book(keys)

    def held_ones_read(person_ids):  # after the batch read who is held, before it deletes: the hold commits
        go.set()
        holder.join(timeout=10)
        return real_tracks_of(person_ids)

    monkeypatch.setattr(purge_module, "rule_book", batch_starts)
    monkeypatch.setattr(purge_module, "tracks_of", held_ones_read)
    run = purge(db.session.commit, now=LATER)
    holder.join(timeout=10)
    assert not errors and not holder.is_alive()
    assert len(chain(operator.id)) == 5
    assert db.session.get(Snapshot, snap[0]) is not None and storage().size(snap[1]) == 4
    assert (run.events_purged, run.snapshots_purged, run.persons_purged) == (0, 0, 0)
    assert operator.id in run.held_person_ids and run.held_skipped >= 1


def test_a_regulator_cannot_hold_outside_the_region(world, operator):
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        set_hold(world.regulator_sz, reason="调查", now=datetime(2026, 12, 1), person_id=operator.id)


def test_the_database_refuses_deleting_an_event_no_epoch_covers(operator):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    events = ArchiveEvent.__table__
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.delete(events).where(events.c.person_id == operator.id))
    db.session.rollback()


# ---------------------------------------------------------------- the report page


def test_the_report_lists_runs_for_the_admin_only(client, login, world, operator):
    set_hold(world.platform_admin, reason="调查", now=datetime(2026, 12, 1), person_id=operator.id)
    db.session.commit()
    purge(db.session.commit, now=LATER)
    login(world.platform_admin)
    page = client.get("/records/purge-runs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "李焊工" in text and 'data-field="held">1' in text
    for user in (world.admin_a, world.regulator_nj, world.worker_a):
        client.get("/logout")
        login(user)
        assert client.get("/records/purge-runs").status_code == 403
    assert db.session.scalars(sa.select(PurgeRun)).first() is not None


def test_holds_are_set_and_released_on_their_page(client, login, world, operator):
    login(world.regulator_nj)
    page = client.post("/records/holds", data={"subject": "person", "subject_id": operator.id, "reason": "事故调查"})
    assert page.status_code == 302
    hold_id = db.session.execute(sa.text("SELECT id FROM records_legal_holds")).scalar_one()
    assert client.post(f"/records/holds/{hold_id}/release").status_code == 302
    assert db.session.execute(sa.text("SELECT released_at FROM records_legal_holds")).scalar_one() is not None


def test_the_command_runs_a_purge(app, operator):
    result = app.test_cli_runner().invoke(args=["purge-records"])
    assert result.exit_code == 0 and "purge run 1: 0 event(s)" in result.output


def test_the_timeline_tells_what_was_purged(client, login, world, operator):
    purge(db.session.commit, now=LATER)
    login(world.platform_admin)
    page = client.get(f"/people/{operator.id}/timeline").get_data(as_text=True)
    assert "已按保存期限清理 5 条更早的记录" in page and "校验通过" in page
