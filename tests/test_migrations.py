"""The migrations the suite's database was built with (``upgrade head`` in ``tests/conftest.py``)."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app.extensions import db

on_postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="PostgreSQL storage settings (set DATABASE_URL=postgresql+psycopg://…)",
)


def current_revision() -> str:
    return db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))


def script_heads(app) -> list[str]:
    config = app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_heads()


def test_the_database_is_at_the_single_head(app):
    """One line of revisions (two heads mean two branches were merged without re-chaining their migrations)."""
    heads = script_heads(app)
    assert len(heads) == 1 and current_revision() == heads[0]


def test_every_revision_goes_down_to_the_first_and_up_again(app):
    """Each migration's downgrade runs, on this database (SQLite here, PostgreSQL in CI's second run)."""
    head = current_revision()
    db.session.rollback()
    downgrade(revision="0001")
    try:
        assert current_revision() == "0001"
    finally:
        db.session.rollback()
        upgrade()
    assert current_revision() == head


def storage() -> tuple[dict[str, str], dict[str, list[str] | None]]:
    """(column → compression method of exams_attempts' big columns, table → reloptions)."""
    compression = dict(
        db.session.execute(
            sa.text(
                "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = 'exams_attempts'::regclass "
                "AND attname IN ('paper', 'questions_json', 'result')"
            )
        ).all()
    )
    options = dict(
        db.session.execute(
            sa.text("SELECT relname, reloptions FROM pg_class WHERE relname IN ('exams_attempts', 'exams_answers')")
        ).all()
    )
    return compression, options


@pytest.mark.postgres
@on_postgresql
def test_exam_tables_use_lz4_and_leave_room_for_hot_updates(app):
    compression, options = storage()
    assert compression == {"paper": "l", "questions_json": "l", "result": "l"}
    assert options == {"exams_attempts": ["fillfactor=80"], "exams_answers": ["fillfactor=80"]}
    db.session.rollback()
    downgrade(revision="0001")
    try:
        compression, options = storage()
        assert set(compression.values()) == {"p"} and options == {"exams_attempts": None, "exams_answers": None}
    finally:
        db.session.rollback()
        upgrade()
    assert current_revision() == script_heads(app)[0] and storage()[0]["paper"] == "l"
