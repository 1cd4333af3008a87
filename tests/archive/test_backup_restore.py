"""Backups proven by restore (docs/backup.md): ``pg_dump -Fc`` of the live database, ``pg_restore`` into a new one,
and ``flask verify-archive`` there — green for a fresh dump; a dump older than the last checkpoint is reported,
because every checkpoint is also kept outside the database (``ARCHIVE_WITNESS``).

PostgreSQL only (``DATABASE_URL=postgresql+psycopg://…``); pg_dump and pg_restore on the PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from app import create_app
from app.archive.checkpoints import write_checkpoint
from app.extensions import db
from config import TestingConfig

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgresql")
        or shutil.which("pg_dump") is None
        or shutil.which("pg_restore") is None,
        reason="backup and restore tests need PostgreSQL (set DATABASE_URL=postgresql+psycopg://…) and its tools",
    ),
]


def libpq(url: sa.URL) -> str:
    """The URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def restored_databases(app):
    """``restore(dump)`` → the URL of a new database holding that dump; all of them dropped afterwards."""
    live = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    admin = sa.create_engine(live.set(database="postgres"), isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def restore(dump) -> sa.URL:
        name = f"{live.database}_restore{len(made)}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        target = live.set(database=name)
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", libpq(target), str(dump)],
            check=True,
            capture_output=True,
        )
        return target

    yield restore
    with admin.connect() as conn:
        for name in made:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def dump(app, path) -> None:
    """The nightly backup of docs/backup.md: ``pg_dump -Fc``."""
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    subprocess.run(["pg_dump", "-Fc", "-f", str(path), libpq(url)], check=True, capture_output=True)


def verify_archive_on(app, url: sa.URL, witness, storage):
    """``flask verify-archive`` with the app pointed at ``url`` (the same keys and the same witness log)."""
    restored = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False),
        STORAGE_DIR=storage,
        ARCHIVE_WITNESS=str(witness),
    )
    # the command runs in whichever app context is current: push the restored app's over the test's own
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["verify-archive", "--check-only"])
        assert db.engine.url.database == url.database
        db.session.remove()
        db.engine.dispose()
    celery = app.extensions["celery"]  # a new app takes over as Celery's current and default app: give it back
    celery.set_current()
    celery.set_default()
    return result


def test_a_restored_dump_verifies_and_an_older_one_is_reported(
    app, factory, world, tmp_path, monkeypatch, restored_databases
):
    witness = tmp_path / "archive-checkpoints.jsonl"
    monkeypatch.setitem(app.config, "ARCHIVE_WITNESS", str(witness))
    storage = app.config["STORAGE_DIR"]

    factory.employ(world.ent_a, name="李四", actor=world.admin_a)
    first = write_checkpoint()
    db.session.commit()
    assert f'"id": {first.id}' in witness.read_text()  # the copy outside the database

    dump(app, tmp_path / "nightly-1.dump")
    result = verify_archive_on(app, restored_databases(tmp_path / "nightly-1.dump"), witness, storage)
    assert result.exit_code == 0, result.output
    assert "archive intact: 4 event(s) checked" in result.output  # the two people's files as they were at the dump

    # a day later: more events, a newer checkpoint — then the disk dies and yesterday's dump is restored
    factory.employ(world.ent_b, name="赵五", actor=world.admin_b)
    second = write_checkpoint()
    db.session.commit()
    result = verify_archive_on(app, restored_databases(tmp_path / "nightly-1.dump"), witness, storage)
    assert result.exit_code == 1, result.output
    assert f"BROKEN archive: checkpoint {second.id} of " in result.output
    assert "restored from a backup older than the last checkpoint" in result.output

    # tonight's dump restores green
    dump(app, tmp_path / "nightly-2.dump")
    result = verify_archive_on(app, restored_databases(tmp_path / "nightly-2.dump"), witness, storage)
    assert result.exit_code == 0, result.output
