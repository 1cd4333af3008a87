"""Declarative base, naming convention and small column helpers."""

from __future__ import annotations

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


__all__ = ["Base", "TimestampMixin", "conditional_update", "dialect_name", "insert_on_conflict", "utcnow"]

#: ``INSERT`` with ``ON CONFLICT`` per dialect (PostgreSQL, or SQLite ≥ 3.24).
INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def dialect_name(session) -> str:
    """``postgresql`` or ``sqlite``: the dialect the session's statements go to."""
    return session.get_bind().dialect.name


def insert_on_conflict(session, model) -> Any:
    """ORM-enabled ``INSERT`` that supports ``on_conflict_do_nothing`` / ``on_conflict_do_update``."""
    return INSERTS[dialect_name(session)](model)


def conditional_update(model) -> sa.Update:
    """``UPDATE`` for a state change guarded by its ``WHERE`` (the rowcount says who won); the session's objects
    are refreshed by the caller, not synchronised by SQLAlchemy."""
    return sa.update(model).execution_options(synchronize_session=False)


class TimestampMixin:
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
