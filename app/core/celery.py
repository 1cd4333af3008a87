"""Celery wired the way Flask's own example does it: tasks run inside an app context."""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask, current_app, has_app_context
from flask_sqlalchemy.session import Session
from sqlalchemy import event

from app.extensions import db


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            # A context of its own (its own database session), of the app that called it when there is one: the
            # last app created in a process is Celery's default, and a second app (a test's, a CLI's) must not
            # send another app's task to its own database.
            caller = current_app._get_current_object() if has_app_context() else app
            with caller.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def enqueue_after_commit(task, *args, **kwargs) -> None:
    """Send ``task`` once the current transaction commits (a worker must see the committed rows).

    Dropped if the transaction rolls back. In eager mode the task runs right after the commit.
    """
    session = db.session()
    session.info.setdefault("after_commit_tasks", []).append((task, args, kwargs))


@event.listens_for(Session, "after_commit")
def _drain(session):  # pragma: no cover - exercised through services
    pending = session.info.pop("after_commit_tasks", [])
    for task, args, kwargs in pending:
        task.delay(*args, **kwargs)


@event.listens_for(Session, "after_rollback")
def _clear(session):
    session.info.pop("after_commit_tasks", None)
