"""``app.core.db.first_row``: the heartbeat's statements, prepared on psycopg's connection on PostgreSQL, give what
SQLAlchemy gives, inside the connection's transaction (on SQLite it is ``conn.execute``: the same assertions)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.auth.access import close_lean_connection, lean_connection
from app.auth.models import Role, User
from app.core.db import first_row
from app.core.limits import Counter
from app.extensions import db

#: A statement with a literal of its own ("" in the coalesce) beside a bound parameter.
NAMED = sa.select(sa.func.coalesce(sa.bindparam("name", type_=sa.String), "").label("name"))
USER = sa.select(User.__table__.c.username, User.__table__.c.role).where(
    User.__table__.c.username == sa.bindparam("who", type_=sa.String)
)


def test_literals_of_the_statement_and_bound_values_both_reach_the_database(app):
    conn = db.session.connection()
    assert first_row(conn, NAMED, {"name": None}).name == ""
    assert first_row(conn, NAMED, {"name": "张三"}).name == "张三"


def test_no_row_is_none_and_a_row_has_its_columns_by_name(app, factory):
    factory.user(Role.ADMIN, username="first-row-admin")
    db.session.commit()
    conn = db.session.connection()
    assert first_row(conn, USER, {"who": "nobody"}) is None
    row = first_row(conn, USER, {"who": "first-row-admin"})
    assert row.username == "first-row-admin"
    assert Role(row.role) is Role.ADMIN  # the stored value on PostgreSQL, the enum through SQLAlchemy


def test_it_runs_inside_the_connections_transaction(app, factory):
    factory.user(Role.ADMIN, username="not-yet-committed")
    db.session.flush()  # in the session's transaction only
    assert first_row(db.session.connection(), USER, {"who": "not-yet-committed"}) is not None
    db.session.rollback()
    assert first_row(db.session.connection(), USER, {"who": "not-yet-committed"}) is None


def test_on_an_autocommit_connection_a_write_is_seen_by_others_at_once(app):
    counters = Counter.__table__
    db.session.execute(sa.insert(counters).values(key="t:first-row", count=1, allowance=0, window_ends=0))
    db.session.commit()
    bump = (
        sa.update(counters)
        .where(counters.c.key == sa.bindparam("k", type_=sa.String))
        .values(count=counters.c.count + 1)
        .returning(counters.c.count)
    )
    with app.test_request_context():
        lean = lean_connection()  # the heartbeat's: autocommitted on PostgreSQL
        try:
            assert first_row(lean, bump, {"k": "t:first-row"}).count == 2
            if db.engine.dialect.name != "postgresql":
                lean.commit()  # SQLite: the view commits
            with db.engine.connect() as other:
                assert other.execute(sa.select(counters.c.count).where(counters.c.key == "t:first-row")).scalar() == 2
        finally:
            close_lean_connection()


def test_a_statement_needing_python_side_defaults_is_refused_on_every_database(app, factory):
    user = factory.user(Role.ADMIN, username="defaults")
    db.session.commit()
    rename = sa.update(User.__table__).where(User.__table__.c.id == user.id).values(username="renamed")
    with pytest.raises(ValueError, match="updated_at"):  # TimestampMixin's onupdate runs in Python
        first_row(db.session.connection(), rename.returning(User.__table__.c.id), {})
    db.session.rollback()
    assert db.session.get(User, user.id).username == "defaults"
