"""Shared fixtures: one app and one migrated database per session, a clean database per test.

The database is SQLite in a temporary folder by default, or the PostgreSQL database named by ``DATABASE_URL``
(its ``public`` schema is wiped first, so point it at a throwaway database). The schema is built by running the
Alembic migrations (``upgrade head``), never by ``create_all``, so the migrations are tested too.

Isolation: after each test every table holding rows is emptied and the reference data re-seeded. This is slower than a
rolled-back transaction, but it also holds for browser tests, where a server thread commits on its own
connection, and for a real Celery worker in another process.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, request_started
from flask.testing import FlaskClient
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer

from app import create_app
from app.extensions import db
from config import TestingConfig

REFERENCE_SEEDED = "anpei_reference_seeded"


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL (CI's second run) only the tests that use the database run again: a test without the ``app``
    fixture (pure rules, parsers, the lint and layer checks) reads nothing from it, so a second run proves nothing
    the first did not. They are reported as deselected."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        return
    without = [item for item in items if "app" not in getattr(item, "fixturenames", ())]
    if without:
        config.hook.pytest_deselected(items=without)
        items[:] = [item for item in items if "app" in getattr(item, "fixturenames", ())]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        from tests.parallel import create_database

        create_database(url)
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@sa.event.listens_for(sa.engine.Engine, "connect")
def _fast_sqlite(dbapi_connection, connection_record):
    """The test database is thrown away: skip fsync (the suite spends most of its time emptying tables)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        # a real Celery worker (CI's second run) must read the files the app stores: both take ANPEI_STORAGE then
        STORAGE_DIR=Path(os.environ["ANPEI_STORAGE"])
        if os.environ.get("ANPEI_STORAGE")
        else tmp_path_factory.mktemp("storage"),
        WTF_CSRF_ENABLED=True,  # on, as in production: the default client sends the token a page would
    )
    app.test_client_class = PageTokenClient
    with app.app_context():
        upgrade()
        _reseed()
    return app


def _reseed() -> None:
    from app.rules.seed import seed_reference

    seed_reference()
    db.session.commit()
    with db.engine.connect() as conn:
        _SEEDED["reference"] = _reference_fingerprint(conn)


#: The reference tables as seeded (their rows' fingerprint), so a test that left them alone keeps them: emptying and
#: re-seeding the catalogue and rules after every test was a third of a test's clean-up on PostgreSQL.
_SEEDED: dict[str, str] = {}


def _reference_tables() -> list[sa.Table]:
    from app.rules.models import Operation, Rule

    return [Operation.__table__, Rule.__table__]


def _reference_fingerprint(conn) -> str:
    digest = hashlib.sha256()
    for table in _reference_tables():
        for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _filled_tables(conn) -> list[sa.Table]:
    """The tables holding rows, in one query (a test touches a handful of the ~80; emptying only those is what
    keeps a test's teardown in milliseconds: a TRUNCATE of every table costs PostgreSQL over half a second)."""
    tables = db.metadata.sorted_tables
    probe = " UNION ALL ".join(f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {t.name})" for i, t in enumerate(tables))
    return [tables[i] for i in sorted(conn.execute(sa.text(probe)).scalars())]


def _empty_all_tables() -> None:
    db.session.rollback()
    for attempt in range(5):
        try:
            with db.engine.begin() as conn:
                filled = _filled_tables(conn)
                if _SEEDED.get("reference") == _reference_fingerprint(conn):
                    kept = set(_reference_tables())
                    filled = [table for table in filled if table not in kept]
                else:
                    _SEEDED.pop("reference", None)
                if not filled:
                    return
                if conn.dialect.name == "postgresql":
                    # DELETE, not TRUNCATE: a TRUNCATE makes new files for every table it (and CASCADE) touches,
                    # ~0.2 s a test; a few rows are deleted in milliseconds. The replica role skips triggers (the
                    # archive's append-only guard, foreign-key checks: every filled table is emptied anyway).
                    conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
                    for table in filled:
                        conn.execute(table.delete())
                    serials = [t.name for t in filled if "id" in t.c and t.c.id.autoincrement is not False]
                    if serials:
                        conn.execute(
                            sa.text(
                                "SELECT setval(s, 1, false) FROM unnest(CAST(:names AS text[])) AS n, "
                                "LATERAL pg_get_serial_sequence(n, 'id') AS s WHERE s IS NOT NULL"
                            ),
                            {"names": serials},
                        )
                else:
                    for table in reversed(filled):
                        conn.execute(table.delete())
            return
        except sa.exc.OperationalError as error:
            # CI's shared worker may still be running a task the test enqueued (a certificate render after an
            # issue): PostgreSQL picks the TRUNCATE as the deadlock's victim. The task ends; try again.
            if "deadlock detected" not in str(error) or attempt == 4:
                raise
            time.sleep(0.5 * (attempt + 1))


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Every test starts from reference data only (catalogue + rules), an empty ``g`` per request and no
    cached question indexes (SQLite reuses ids after the tables are emptied)."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    from app.bank import queries as bank_queries

    with app.app_context(), fresh_g_per_request(app):
        bank_queries._cache.clear()
        yield
        db.session.remove()
        _empty_all_tables()
        if "reference" not in _SEEDED:
            _reseed()
        bank_queries._cache.clear()


@contextmanager
def fresh_g_per_request(app):
    """Give every test request an empty ``g``, as a real request gets.

    The fixture above keeps one app context open for the whole test, and a request reuses an open app context,
    so ``g`` would otherwise carry the logged-in user, the locale and the CSRF token from one request to the next.
    """

    def clear(sender, **extra):
        vars(g._get_current_object()).clear()

    request_started.connect(clear, app)
    try:
        yield
    finally:
        request_started.disconnect(clear, app)


class PageTokenClient(FlaskClient):
    """A test client that behaves like a browser on our pages: every form post and JSON call carries the CSRF token
    of its session (as the form's hidden field, or the exam page's ``X-CSRFToken`` header). CSRF protection stays
    on in the app; a request that supplies its own ``csrf_token`` (or none, through ``csrf_client``) is sent as is.
    """

    def open(self, *args, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            token = self._page_token()
            data = kwargs.get("data")
            if kwargs.get("json") is not None or isinstance(data, str | bytes):
                kwargs["headers"] = {"X-CSRFToken": token, **(kwargs.get("headers") or {})}
            elif data is None:
                kwargs["data"] = {"csrf_token": token}
            elif isinstance(data, dict) and "csrf_token" not in data:
                kwargs["data"] = {**data, "csrf_token": token}
        return super().open(*args, **kwargs)

    def _page_token(self) -> str:
        """The signed token a page rendered for this session would carry (Flask-WTF's ``generate_csrf``)."""
        app = self.application
        field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        with self.session_transaction() as session:
            raw = session.setdefault(field, hashlib.sha1(os.urandom(64)).hexdigest())  # noqa: S324 — a cache key, not a security hash
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


@pytest.fixture
def client(app):
    """A test client that sends its page's CSRF token (see :class:`PageTokenClient`)."""
    return app.test_client()


@pytest.fixture
def csrf_client(app):
    """A plain client that sends only what the test gives it: for tests of the CSRF check itself."""
    return FlaskClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def login(client):
    """``login(user)`` logs the client in as that user (password ``pw``) and returns the client."""

    def do_login(user, password: str = "pw", c=None):
        c = c or client
        c.post("/logout")
        response = c.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.data.decode()[:500]
        return c

    return do_login


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no csrf_token in page"
    return match.group(1)


@pytest.fixture
def factory(app):
    from tests.factories import Factory

    return Factory()


@pytest.fixture
def s3(app):
    """The app's files in an S3-compatible store (moto answers the same boto3 calls an object store does)."""
    from moto import mock_aws

    from app.core.storage import S3Storage

    with mock_aws():
        backend = S3Storage("anpei-files", prefix="test", region="us-east-1")
        backend.client.create_bucket(Bucket="anpei-files")
        before = app.extensions["anpei_storage"]
        app.extensions["anpei_storage"] = backend
        try:
            yield backend
        finally:
            app.extensions["anpei_storage"] = before
