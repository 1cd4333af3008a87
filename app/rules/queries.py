"""Reads of the reference data."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy import orm as so

from app.core.clock import local_today
from app.extensions import db
from app.rules.book import RuleBook, RuleRow
from app.rules.models import Operation, Rule


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(part) for part in code.split(".") if part.isdigit())


def catalogue_tree() -> list[tuple[Operation, list[Operation]]]:
    """作业类别 with their 操作项目, in code order (1, 1.1, …, 10, 11; not string order)."""
    ops = db.session.scalars(sa.select(Operation).where(Operation.regime == "aj30")).all()
    categories = sorted((o for o in ops if o.parent_code is None), key=lambda o: _code_key(o.code))
    items = sorted((o for o in ops if o.parent_code is not None), key=lambda o: _code_key(o.code))
    return [(c, [i for i in items if i.parent_code == c.code]) for c in categories]


def operation_choices(*, categories: bool = False) -> list[tuple[str, str]]:
    """Select options for a 操作项目 field: "1.2 低压电工作业" (a 作业类别 without items is itself a choice).

    :param categories: also offer each 作业类别 before its items (for filters: "1" covers "1.1", "1.2", …).
    """
    choices = []
    for category, items in catalogue_tree():
        current = [i for i in items if i.valid_to is None]
        if categories and current and category.valid_to is None:
            choices.append((category.code, f"{category.code} {category.name}"))
        for op in current or ([category] if category.valid_to is None else []):
            choices.append(
                (op.code, f"{op.code} {category.name} / {op.name}" if op is not category else f"{op.code} {op.name}")
            )
    return choices


def operation_name(code: str | None) -> str:
    if not code:
        return ""
    op = db.session.scalars(sa.select(Operation).where(Operation.code == code)).first()
    return op.name if op else code


def rule_book(keys: Iterable[str] | None = None, *, conn: sa.Connection | None = None) -> RuleBook:
    """Every version of the rules (or of ``keys``) as a :class:`RuleBook`: one query (on ``conn`` when given, a
    hot path's own connection; the session's otherwise)."""
    query = sa.select(Rule.key, Rule.region_code, Rule.valid_from, Rule.value, Rule.legal_basis)
    if keys is not None:
        query = query.where(Rule.key.in_(list(keys)))
    return RuleBook(RuleRow(*row) for row in (conn or db.session).execute(query))


#: Where :func:`cached_book` keeps the book: the session's ``info``, so it lives as long as one unit of work.
_CACHE = "anpei_rule_book"


def cached_book() -> RuleBook:
    """Every rule version, read once per unit of work: the session's transaction (a request, a task's batch).

    Every region and every day is answered from the one book, so a loop over persons, enterprises or certificates
    reads the rule tables once, not once per row. The cache is dropped when the transaction ends (commit or
    rollback) and when the session itself writes rules (an admin's edit, a test's ``UPDATE``), so nobody reads a
    version older than their own transaction could see.
    """
    session = db.session()
    if _CACHE not in session.info or _pending_rule(session):
        session.info[_CACHE] = rule_book()  # the query autoflushes a pending rule first
    return session.info[_CACHE]


def _pending_rule(session) -> bool:
    """A rule added or changed in the session but not flushed yet (a query would autoflush it; a cache hit not)."""
    return any(isinstance(obj, Rule) for obj in (*session.new, *session.dirty, *session.deleted))


def forget_cached_book(session) -> None:
    session.info.pop(_CACHE, None)


@sa.event.listens_for(so.Session, "after_commit")
@sa.event.listens_for(so.Session, "after_soft_rollback")
def _forget_at_transaction_end(session, *args) -> None:
    forget_cached_book(session)


@sa.event.listens_for(so.Session, "after_flush")
def _forget_after_rule_writes(session, flush_context) -> None:
    if _pending_rule(session):
        forget_cached_book(session)


@sa.event.listens_for(so.Session, "do_orm_execute")
def _forget_before_bulk_rule_writes(state) -> None:
    """``UPDATE rules_rules …`` through the session (``sa.update(Rule)``): the book must be read again."""
    if (state.is_update or state.is_delete or state.is_insert) and any(m.class_ is Rule for m in state.all_mappers):
        forget_cached_book(state.session)


def rule_value(key: str, *, region_code: str = "", on: date | None = None) -> float:
    """The figure in force for ``key`` on ``on`` (today by default): the most specific region override, then the
    national value; of those, the latest version that applies from ``on`` or earlier. Read from
    :func:`cached_book` (the rule tables are read once per transaction, not once per call).

    :raises KeyError: when no row exists for ``key`` (a missing rule is a configuration bug, not a default).
    """
    return cached_book().value(key, region_code=region_code, on=on or local_today())


def rule_case(book: RuleBook, key: str, *, region: sa.ColumnElement, on: sa.ColumnElement) -> sa.ColumnElement:
    """SQL for :meth:`RuleBook.value` of ``key`` per row: the value in force for the row's ``region`` on its date
    ``on`` (both columns), tried in the book's order — the same answer, so SQL lists equal the Python rule."""
    whens = []
    for row in book.versions(key):
        applies = on >= row.valid_from
        if row.region_code:
            applies = sa.and_(sa.func.substr(region, 1, len(row.region_code)) == row.region_code, applies)
        whens.append((applies, sa.literal(row.value, sa.Float)))
    return sa.case(*whens, else_=sa.null())
