"""Heartbeat races that only a real database server shows (PostgreSQL; see tests/exams/test_concurrency.py)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.extensions import db
from app.training import study
from app.training.models import LessonProgress, StudyCredit
from tests.exams.test_concurrency import in_parallel, logged_in_clients

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
        reason="concurrency tests need PostgreSQL (set DATABASE_URL=postgresql+psycopg://…); "
        "SQLite serialises all writers, so the races cannot happen there",
    ),
]


def test_a_heartbeat_sent_many_times_at_once_is_credited_once(app, training_world, monkeypatch):
    w = training_world
    clock = {"now": datetime(2026, 11, 29, 2, 0, 0)}
    monkeypatch.setattr(study, "utcnow", lambda: clock["now"])
    monkeypatch.setattr("app.training.learner_views.local_today", lambda: clock["now"].date())
    clients = logged_in_clients(app, w.worker, 12)
    token = (
        clients[0].post(f"/training/mine/{w.training_class.id}/lessons/{w.video.id}/start", json={}).get_json()["token"]
    )
    body = {"token": token, "lesson_id": w.video.id, "position": 0, "visible": True, "playing": True}
    assert clients[0].post("/training/heartbeat", json=body).status_code == 200
    for round_ in range(1, 4):
        clock["now"] += timedelta(seconds=30)
        beat = dict(body, position=30 * round_)
        responses = in_parallel([lambda c=c, b=beat: c.post("/training/heartbeat", json=b) for c in clients])
        credited = sorted(r.get_json()["credited"] for r in responses)
        assert credited == [0] * 11 + [30]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.sum(StudyCredit.seconds))) == 90
    assert db.session.scalar(sa.select(LessonProgress.credited_seconds)) == 90


def test_parallel_consent_answers_record_each_change_once(app, training_world):
    """The 人像抓拍 consent was read, compared and written back in Python: two tabs withdrawing it at once both saw
    it granted and wrote two refusals into the 一人一档. One conditional upsert now records the change once."""
    w = training_world
    class_id, person_id = w.training_class.id, w.person.id
    clients = logged_in_clients(app, w.worker, 8)  # one test client per thread: a client is not thread-safe
    url = f"/training/mine/{class_id}/snapshots/consent"
    assert clients[0].post(url, data={"decision": "yes"}).status_code == 302
    statuses = in_parallel([lambda c=c: c.post(url, data={"decision": "no"}).status_code for c in clients])
    assert statuses == [302] * 8
    db.session.expire_all()
    kinds = db.session.scalars(
        sa.select(ArchiveEvent.kind)
        .where(ArchiveEvent.person_id == person_id, ArchiveEvent.kind.like("snapshot.%"))
        .order_by(ArchiveEvent.id)
    )
    assert list(kinds) == ["snapshot.consent", "snapshot.refused"]
