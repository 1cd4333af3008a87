"""Two requests on one row, played in order: the other request in an app context (and session) of its own that
commits, then this one with the objects it loaded before — deterministic, on SQLite and PostgreSQL alike (the race
tests of the stale-read kind: tests/{bank,exams,spotchecks,training}/test_stale_*.py and friends)."""

from __future__ import annotations

from contextlib import contextmanager

from app.core.errors import DomainError
from app.extensions import db


@contextmanager
def another_request(app):
    """The competing request: its own app context, so its own session, committed when the block ends."""
    with app.app_context():
        yield
        db.session.commit()


def as_the_view(call) -> DomainError | None:
    """Run ``call`` as a view does: commit, or roll back and return the refusal it would show."""
    try:
        call()
    except DomainError as exc:
        db.session.rollback()
        return exc
    db.session.commit()
    return None


def committed_meanwhile(statement) -> None:
    """Another request's change as one statement, committed on its own connection."""
    with db.engine.begin() as conn:
        conn.execute(statement)
