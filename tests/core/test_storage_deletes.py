"""Files deleted after the commit: never while the transaction that stopped naming them could still roll back —
including when a savepoint is released or rolled back in between."""

from __future__ import annotations

import pytest

from app.core.storage import delete_after_commit, storage
from app.extensions import db


@pytest.fixture
def stored(app):
    def put(name: str) -> str:
        key = f"tests/deletes/{name}.bin"
        storage().put(key, b"x", "application/octet-stream")
        return key

    return put


def exists(key: str) -> bool:
    return storage().size(key) is not None


def test_a_released_savepoint_deletes_nothing_before_the_outer_commit(stored):
    before, inside = stored("before"), stored("inside")
    delete_after_commit(before)
    with db.session.begin_nested():
        delete_after_commit(inside)
    assert exists(before) and exists(inside)  # the outer transaction can still roll back
    db.session.commit()
    assert not exists(before) and not exists(inside)


def test_a_rolled_back_savepoint_drops_only_its_own_deletions(stored):
    before, inside = stored("kept-queued"), stored("undone")
    delete_after_commit(before)
    savepoint = db.session.begin_nested()
    delete_after_commit(inside)
    savepoint.rollback()
    db.session.commit()
    assert not exists(before) and exists(inside)


@pytest.mark.parametrize("end", ["rollback", "close"])
def test_a_transaction_ended_without_commit_deletes_nothing_later(stored, end):
    # Session.close() ends the transaction without a rollback event: a worker that closes its session and goes on
    # with the same one must not delete, at its next commit, files the closed transaction had queued.
    key = stored(f"ended-by-{end}")
    delete_after_commit(key)
    getattr(db.session, end)()
    db.session.commit()
    assert exists(key)
