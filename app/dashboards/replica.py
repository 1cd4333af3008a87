"""Read-only pages on a replica: ``DATABASE_REPLICA_URL`` (a streaming replica of the primary) serves the
dashboards, their lists and exports, and the public 排名公告. Unset, they read the primary as every page does.

:func:`reading` puts a session on the replica's engine in place of the request's for the block (the page is
rendered inside it, so what it lazy-loads comes from the replica too) and closes it afterwards. Nothing is written
inside the block: a replica refuses writes.
"""

from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import orm as so

from app.extensions import db

EXTENSION = "anpei_replica"


def init_app(app: Flask) -> None:
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return
    options = {k: v for k, v in app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).items() if k != "pool_size"}
    if not url.startswith("sqlite"):
        options["pool_size"] = app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_size", 5)
    app.extensions[EXTENSION] = sa.create_engine(url, **options)


def engine() -> sa.Engine | None:
    return current_app.extensions.get(EXTENSION)


@contextmanager
def reading():
    """Within the block, ``db.session`` reads from the replica (when one is configured)."""
    replica = engine()
    if replica is None:
        yield
        return
    registry = db.session.registry
    own = registry()
    session = so.Session(bind=replica, autoflush=False, expire_on_commit=False)
    registry.set(session)
    try:
        yield
    finally:
        session.rollback()
        session.close()
        registry.set(own)
