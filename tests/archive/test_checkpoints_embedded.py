"""Checkpoints without beat: the embedded mode pins the heads itself, and ``verify-archive`` pins them after an
intact check and says when the latest checkpoint had grown older than expected."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveCheckpoint, ArchiveHead
from app.core import clock
from app.extensions import db
from app.people.services import end_employment
from tests.archive.test_chain import chain, tamper


@pytest.fixture
def moved_clock(monkeypatch):
    """The app's clock, moved forward by the test."""
    real = clock.utcnow
    offset = {"by": timedelta(0)}
    monkeypatch.setattr(clock, "utcnow", lambda: real() + offset["by"])

    def move(by: timedelta) -> None:
        offset["by"] += by

    return move


def checkpoints() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveCheckpoint))


def verify_cli(app, *args):
    return app.test_cli_runner().invoke(args=["verify-archive", *args])


def old_head_then_third_event(world):
    """person_a's signed head at seq 2 (as someone copying the row would keep it), then a third event."""
    head = db.session.get(ArchiveHead, world.person_a.id)
    old = {"p": head.person_id, "seq": head.seq, "hash": head.hash, "kid": head.key_id, "mac": head.mac}
    end_employment(world.person_a.employments[0], actor=world.admin_a, end_date=date(2025, 6, 30), reason="调离")
    db.session.commit()
    assert old["seq"] == 2 and len(chain(world.person_a.id)) == 3
    return old


def cut_tail_and_write_old_head_back(person_id: int, old: dict) -> None:
    tamper("DELETE FROM archive_events WHERE person_id = :p AND seq = 3", {"p": person_id})
    tamper("UPDATE archive_heads SET seq = :seq, hash = :hash, key_id = :kid, mac = :mac WHERE person_id = :p", old)


def test_without_a_checkpoint_a_cut_tail_with_its_old_head_back_passes(app, world):
    """Why the embedded mode must checkpoint: the chain and the (genuinely signed) head agree again."""
    old = old_head_then_third_event(world)
    cut_tail_and_write_old_head_back(world.person_a.id, old)
    assert verify_cli(app, "--person", str(world.person_a.id)).exit_code == 0


def test_the_embedded_app_checkpoints_by_itself_and_the_cut_tail_is_caught(
    app, client, world, moved_clock, monkeypatch
):
    monkeypatch.setitem(app.config, "ARCHIVE_CHECKPOINT_IN_APP", True)  # the embedded default (no broker)
    old = old_head_then_third_event(world)
    client.get("/login")
    assert checkpoints() == 0  # the files are new: nothing is due yet
    moved_clock(timedelta(minutes=61))
    client.get("/login")  # anyone's request, an hour on
    assert checkpoints() == 1
    client.get("/login")
    assert checkpoints() == 1  # one an hour, not one a request
    cut_tail_and_write_old_head_back(world.person_a.id, old)
    result = verify_cli(app)
    assert result.exit_code == 1
    assert f"BROKEN person {world.person_a.id} (seq 3): checkpoint" in result.output
    assert "lists seq 3, now missing (events deleted?)" in result.output


def test_verify_archive_pins_what_it_verified(app, world):
    old = old_head_then_third_event(world)
    first = verify_cli(app)
    assert first.exit_code == 0, first.output
    assert "archive intact" in first.output and "checkpoint" in first.output
    assert checkpoints() == 1
    cut_tail_and_write_old_head_back(world.person_a.id, old)
    second = verify_cli(app)
    assert second.exit_code == 1
    assert "lists seq 3, now missing (events deleted?)" in second.output
    assert checkpoints() == 1  # a broken archive is not pinned


def test_a_stale_checkpoint_is_reported(app, world, moved_clock):
    assert verify_cli(app).exit_code == 0
    moved_clock(timedelta(hours=3))  # beat stopped: nothing wrote the hourly checkpoint
    result = verify_cli(app)
    assert result.exit_code == 2
    assert "archive intact" in result.output
    assert "WARNING no checkpoint had pinned the archive for 3.0 h (expected within 120 min)" in result.output
    assert verify_cli(app).exit_code == 0  # it pinned the archive again


def test_files_nobody_ever_pinned_are_reported(app, world, moved_clock):
    moved_clock(timedelta(hours=3))
    result = verify_cli(app)
    assert result.exit_code == 2 and "WARNING no checkpoint had pinned the archive for 3.0 h" in result.output
