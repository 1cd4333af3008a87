"""Running the suite in parallel (pytest-xdist, ``-n 2``): one database, file storage and Celery queue per worker.

xdist starts worker processes named ``gw0``, ``gw1``, … (``PYTEST_XDIST_WORKER``). Each gets, before the app's
configuration reads the environment:

- ``DATABASE_URL`` with ``_gw0``… appended to the PostgreSQL database name (created when missing; SQLite needs
  nothing: every session has its own file);
- ``ANPEI_STORAGE`` with a ``gw0``… subfolder (stored files of two databases never share a key);
- ``ANPEI_CELERY_QUEUE`` ``anpei-gw0``…: the tasks it sends go to the Celery worker that reads its database
  (``.ci/run`` starts one per xdist worker, with the same three settings).

Without xdist nothing changes.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa


def worker_name() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "")


def per_worker_environment() -> None:
    worker = worker_name()
    if not worker or os.environ.get("ANPEI_TEST_WORKER") == worker:
        return
    os.environ["ANPEI_TEST_WORKER"] = worker
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        os.environ["DATABASE_URL"] = for_worker(url, worker)
    if os.environ.get("ANPEI_STORAGE"):
        storage = Path(os.environ["ANPEI_STORAGE"]) / worker
        storage.mkdir(parents=True, exist_ok=True)
        os.environ["ANPEI_STORAGE"] = str(storage)
    os.environ["ANPEI_CELERY_QUEUE"] = f"anpei-{worker}"


def for_worker(url: str, worker: str) -> str:
    """``postgresql+psycopg://…/anpei_ci`` → ``…/anpei_ci_gw0``."""
    parsed = sa.engine.make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


def create_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` when it does not exist yet (a worker's own)."""
    parsed = sa.engine.make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return
    engine = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database})
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        engine.dispose()
