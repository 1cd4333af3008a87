from __future__ import annotations

import pytest

from tests.certificates.world import CertWorld, build_cert_world


@pytest.fixture
def cw(factory) -> CertWorld:
    world = build_cert_world(factory)
    factory.commit()
    return world


@pytest.fixture(autouse=True)
def _renders_finish_before_the_tables_are_emptied(monkeypatch):
    """With a real Celery worker (CI's PostgreSQL run) a bulk issue's render runs beside the test: wait for every
    render the test sent, so the worker is not still reading rows when the next test empties them (TRUNCATE against
    the worker's open transaction deadlocks). In-process (eager) runs have finished already."""
    from app.certificates import tasks

    sent = []
    delay = tasks.render_pending.delay
    monkeypatch.setattr(tasks.render_pending, "delay", lambda *args, **kwargs: sent.append(delay(*args, **kwargs)))
    yield
    for result in sent:
        result.get(timeout=120)
