"""A question or bank changed by someone else between loading it and saving: the save acts on what is stored now,
not on what it loaded. Each test loads, lets another connection commit a change (as a second editor's request
would), then saves with the loaded object."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from app.bank import services
from app.bank.models import Bank, BankQuestion
from app.core.errors import DomainError
from app.extensions import db
from tests.bank.conftest import stored
from tests.interleaving import committed_meanwhile


def row_of(bank_id: int, key: str) -> BankQuestion:
    return next(r for r in stored(bank_id) if r.key == key)


def current_of(bank_id: int, key: str) -> BankQuestion:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(BankQuestion).where(
            BankQuestion.bank_id == bank_id, BankQuestion.key == key, BankQuestion.current.is_(True)
        )
    ).one()


def test_a_question_retired_while_it_is_edited_stays_retired_in_its_new_version(bank_world):
    """A wrong answer key is found: one manager retires the question while another saves an edit of it. The edit's
    new version used to copy 停用 from the row it loaded (not retired) and the question was drawn into papers again."""
    bank = bank_world.national
    row = row_of(bank.id, "n001")
    assert row.retired is False
    committed_meanwhile(sa.update(BankQuestion).where(BankQuestion.id == row.id).values(retired=True))
    edited = dataclasses.replace(row.to_question(), stem="改过的题干")
    new = services.edit_question(row, edited, actor_id=None)
    db.session.commit()
    assert (new.version, current_of(bank.id, "n001").retired) == (2, True)


def test_a_retirement_of_a_version_edited_meanwhile_is_refused(bank_world):
    """The manager retires version 1 while an edit has just saved version 2: retiring the old row (no longer drawn)
    and saying 已停用 left the live version in papers. Now refused, to be decided on the new version."""
    bank = bank_world.national
    row = row_of(bank.id, "n002")
    committed_meanwhile(sa.update(BankQuestion).where(BankQuestion.id == row.id).values(current=False))
    with pytest.raises(DomainError) as refused:
        services.set_retired(row, True)
    assert refused.value.code == "bank.question_changed" and "已有新版本" in refused.value.message
    db.session.rollback()
    assert db.session.get(BankQuestion, row.id).retired is False


def test_two_changes_at_once_move_the_bank_revision_twice(bank_world):
    """The revision keys the cached question index and the papers drawn before a start: two changes must give two
    new revisions, or the second change could pass for the state after the first."""
    bank = bank_world.national
    row = row_of(bank.id, "n003")
    before = row.bank.revision  # loaded by this request
    committed_meanwhile(sa.update(Bank).where(Bank.id == bank.id).values(revision=Bank.revision + 1))
    services.set_retired(row, True)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Bank, bank.id).revision == before + 2
