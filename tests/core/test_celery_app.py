"""A task runs against the app that calls it, whichever app was created last in the process."""

from __future__ import annotations

from datetime import timedelta

from app import create_app
from app.core import limits
from app.core.clock import utcnow
from app.core.tasks import purge_limits
from app.extensions import db
from config import TestingConfig


def test_a_task_called_in_an_app_runs_against_that_apps_database(app, tmp_path):
    limits.hit("t:old", 5, timedelta(minutes=1), now=utcnow() - timedelta(hours=2))
    db.session.commit()
    # another app in the same process (a test's, a CLI's): Celery's default app is now that one, whose database
    # has no tables at all
    create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/other.sqlite")
    assert purge_limits() == {"purged": 1}  # the calling app's counter, from the calling app's database
