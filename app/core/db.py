"""Declarative base, naming convention and small column helpers."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so
from sqlalchemy.dialects import postgresql, sqlite

from app.core.clock import utcnow

#: Stable constraint names, so Alembic migrations name the same thing on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(so.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


__all__ = [
    "Base",
    "TimestampMixin",
    "all_rows",
    "conditional_update",
    "dialect_name",
    "first_row",
    "insert_on_conflict",
    "lock_row",
    "utcnow",
]

#: ``INSERT`` with ``ON CONFLICT`` per dialect (PostgreSQL, or SQLite ≥ 3.24).
INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def dialect_name(session) -> str:
    """``postgresql`` or ``sqlite``: the dialect the session's statements go to."""
    return session.get_bind().dialect.name


def insert_on_conflict(session, model) -> Any:
    """ORM-enabled ``INSERT`` that supports ``on_conflict_do_nothing`` / ``on_conflict_do_update``."""
    return INSERTS[dialect_name(session)](model)


def first_row(conn: sa.Connection, stmt: sa.Executable, params: dict[str, Any]) -> Any:
    """The first row of ``stmt`` (or None), for the statements of the busiest request (the lesson heartbeat).

    On PostgreSQL the statement is compiled once, with ``$1`` placeholders, and runs on psycopg's own connection as
    a prepared statement through a ``RawCursor`` (no parsing of the text on each run: psycopg caches the parse of
    statements up to 4 KB only, and the heartbeat's read is longer), inside ``conn``'s transaction (or
    autocommitted, as ``conn`` is): SQLAlchemy's work around each execution cost more CPU than psycopg's and
    PostgreSQL's together. The row is a plain named tuple, so ``stmt`` returns what psycopg converts by itself
    (numbers, text, dates and times, ``json`` as Python values; an ``Enum`` column as its stored text). Elsewhere (SQLite):
    ``conn.execute(stmt, params).first()``."""
    return _run(conn, stmt, params, many=False)


def all_rows(conn: sa.Connection, stmt: sa.Executable, params: dict[str, Any]) -> list[Any]:
    """Every row of ``stmt``, run as :func:`first_row` runs it (a few rows: a lesson page's snapshots)."""
    return _run(conn, stmt, params, many=True)


def _run(conn: sa.Connection, stmt: sa.Executable, params: dict[str, Any], *, many: bool) -> Any:
    sql, names, defaults = _compiled(stmt, conn.dialect)
    if conn.dialect.name != "postgresql":
        result = conn.execute(stmt, params)
        return result.all() if many else result.first()
    import psycopg
    from psycopg import RawCursor
    from psycopg.rows import namedtuple_row

    values = {**defaults, **params}
    args = [values[name] for name in names]
    with RawCursor(conn.connection.driver_connection, row_factory=namedtuple_row) as cursor:
        try:
            cursor.execute(sql, args, prepare=True)
            return cursor.fetchall() if many else cursor.fetchone()
        except psycopg.Error as exc:
            # What SQLAlchemy does with an error of its own executions: raised as its DBAPIError (a lost connection
            # as OperationalError, which the app answers with 503 and Retry-After), and a lost connection drops
            # the pool's connections of that server (the retry gets fresh ones) instead of failing once on each.
            conn._handle_dbapi_exception(exc, sql, args, cursor, None)
            raise


@functools.cache
def _compiled(stmt: sa.Executable, dialect: sa.Dialect) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """The SQL text, its parameters' names in the order of their placeholders, and the values of its literal
    parameters (``""`` in a ``coalesce``, …). A statement whose execution needs values computed in Python (a
    column's ``default=`` or ``onupdate=`` callable, such as ``TimestampMixin.updated_at``) is refused on every
    database: psycopg would never see them."""
    compiled = stmt.compile(dialect=_positional(dialect))
    if compiled.insert_prefetch or compiled.update_prefetch:
        names = ", ".join(c.name for c in (*compiled.insert_prefetch, *compiled.update_prefetch))
        raise ValueError(f"first_row runs no Python-side column defaults ({names}): use Connection.execute")
    defaults = {k: v for k, v in compiled.params.items() if v is not None}
    return compiled.string, tuple(compiled.positiontup or ()), defaults


@functools.cache
def _positional(dialect: sa.Dialect) -> sa.Dialect:
    """PostgreSQL: the connection's dialect with ``$n`` placeholders (a parameter used twice is one ``$n``)."""
    if dialect.name != "postgresql":
        return dialect
    positional = type(dialect)(paramstyle="numeric_dollar")
    positional.server_version_info = dialect.server_version_info
    return positional


def conditional_update(model) -> sa.Update:
    """``UPDATE`` for a state change guarded by its ``WHERE`` (the rowcount says who won); the session's objects
    are refreshed by the caller, not synchronised by SQLAlchemy."""
    return sa.update(model).execution_options(synchronize_session=False)


def lock_row(obj: Any, *, key_share: bool = False) -> None:
    """Lock ``obj``'s row until the transaction ends and read it again (``SELECT … FOR UPDATE``), for a decision
    that must see what another request committed meanwhile and make the next one wait for this one (a 整改 finding's
    move, a class's exam, a sitting's 补考). ``key_share``: ``FOR NO KEY UPDATE``, which inserts of rows referencing
    it (answers, candidates) do not wait for. The session's pending changes are flushed first (the reload would drop
    them). SQLite serialises writers and ignores the lock."""
    session = so.object_session(obj)
    session.flush()
    session.refresh(obj, with_for_update={"key_share": True} if key_share else True)


class TimestampMixin:
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
