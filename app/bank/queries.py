"""Reads of the question banks, including the per-process in-memory index used for paper assembly."""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterable

import sqlalchemy as sa

from app.bank.models import Bank, BankQuestion
from app.extensions import db
from question_bank import QuestionIndex

_cache: dict[tuple[int, ...], tuple[tuple, QuestionIndex]] = {}
_lock = threading.Lock()


def live_questions(bank_ids: Iterable[int]) -> sa.Select:
    """Current, not retired versions of the questions of the given banks."""
    return sa.select(BankQuestion).where(
        BankQuestion.bank_id.in_(list(bank_ids)), BankQuestion.current.is_(True), BankQuestion.retired.is_(False)
    )


def question_index(bank_ids: Iterable[int]) -> QuestionIndex:
    """The ``QuestionIndex`` over the live questions of ``bank_ids``, built once per process and bank revision.

    Assembly draws from the index and never queries per paper (STYLE.md 3.10). The cache key holds the
    banks' revisions, so any import, edit or retirement (which bumps ``Bank.revision``) rebuilds it on next use.
    Keys are prefixed with the bank id so two banks may reuse the same key.
    """
    ids = tuple(sorted(set(bank_ids)))
    revisions = bank_revisions(ids)
    with _lock:
        cached = _cache.get(ids)
        if cached and cached[0] == revisions:
            return cached[1]
    rows = db.session.scalars(live_questions(ids)).all()
    index = QuestionIndex([dataclasses.replace(row.to_question(), key=f"{row.bank_id}:{row.key}") for row in rows])
    with _lock:
        _cache[ids] = (revisions, index)
    return index


def bank_revisions(bank_ids: Iterable[int]) -> str:
    """The banks' revisions as one short text: equal as long as none of them changed (``bump_revision``).

    created_at joins the revision: SQLite may reuse the id of a deleted bank (and tests empty the tables between
    runs), and a new bank with a reused id and revision must not pass for the old one."""
    ids = sorted(set(bank_ids))
    rows = db.session.execute(
        sa.select(Bank.id, Bank.revision, Bank.created_at).where(Bank.id.in_(ids)).order_by(Bank.id)
    )
    return ";".join(f"{i}:{revision or 0}:{created:%Y%m%d%H%M%S%f}" for i, revision, created in rows)


def bump_revision(bank: Bank) -> None:
    """Mark a bank changed so cached indexes are rebuilt (call in the same transaction as the change): the ``UPDATE``
    adds one to the stored revision (``revision + 1`` in SQL, not the value loaded: two changes at once give two)."""
    bank.revision = sa.func.coalesce(Bank.revision, 0) + 1


#: A 作业类别 / 操作项目 code of the catalogue: "1", "1.2", "1.2.3".
OPERATION_CODE = re.compile(r"\d{1,3}(\.\d{1,3}){0,3}")


def tagged_for_operation(code: str) -> sa.ColumnElement[bool]:
    """Questions that serve ``code``, as :func:`question_bank.operation_matches` decides for papers: tagged with the
    code itself, with one of its 操作项目 ("1" finds "1.2"), or with its whole 作业类别 ("1.2" finds "1").

    Matched on the stored JSON text, like the post filter: codes are digits and dots (no LIKE wildcards), quoted
    as JSON strings, and no other tag holds such a value.
    """
    tags = sa.cast(BankQuestion.tags, sa.Text)
    parts = code.split(".")
    ancestors = [".".join(parts[:i]) for i in range(1, len(parts))]
    return sa.or_(*(tags.like(f'%"{c}"%') for c in [code, *ancestors]), tags.like(f'%"{code}.%'))


def banks_by_id(bank_ids) -> list[Bank]:
    """The banks a frozen sitting or a form names (for the answer-key policy: who owns every one of them)."""
    ids = list(bank_ids or [])
    return list(db.session.scalars(sa.select(Bank).where(Bank.id.in_(ids)))) if ids else []
