"""Held credit under races that only a real database server shows (PostgreSQL): a 复核 settling a flagged window while
the learner's page keeps beating in it, and two reviewers deciding at once. However they interleave, no second is
credited twice or lost: what the beats reported, less what a 非本人 removed, is the ledger, and nothing stays held."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.extensions import db
from app.people.models import Snapshot
from app.training.models import HeldCredit
from tests.exams.test_concurrency import in_parallel, logged_in_clients
from tests.training.test_held_credit import MISMATCH, ledger
from tests.training.test_snapshots import Learner

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
        reason="concurrency tests need PostgreSQL (set DATABASE_URL=postgresql+psycopg://…); "
        "SQLite serialises all writers, so the races cannot happen there",
    ),
]


def _removed(person_id: int) -> int:
    payloads = db.session.scalars(
        sa.select(ArchiveEvent.payload).where(
            ArchiveEvent.person_id == person_id, ArchiveEvent.kind == "study.credit_removed"
        )
    )
    return sum(json.loads(p)["seconds"] for p in payloads)


def test_a_review_racing_the_pages_heartbeats_settles_every_held_second_once(app, training_world, on, checker):
    w = training_world
    worker = Learner(logged_in_clients(app, w.worker, 1)[0], w, on, w.course.lessons[1])  # the 10-minute video
    reviewers = logged_in_clients(app, w.organiser, 1)
    reported = 0
    for round_ in range(8):
        worker.consent("yes")
        worker.start()  # a new page: a new schedule, its start snapshot due
        assert worker.snap().get_json()["saved"] is True
        checker(MISMATCH)
        db.session.expire_all()
        snapshot_id = db.session.scalar(sa.select(sa.func.max(Snapshot.id)))
        reported += worker.beat(0)["credited"] + worker.beat(30)["credited"]  # 30 s held
        verdict = "same_person" if round_ % 2 == 0 else "not_same_person"
        worker.clock["now"] += timedelta(seconds=30)
        body = {"token": worker.token, "lesson_id": worker.lesson.id, "position": 0, "visible": True, "playing": True}
        form = {"verdict": verdict, "note": "代学" if verdict == "not_same_person" else ""}
        url = f"/training/classes/{w.training_class.id}/snapshots/{snapshot_id}/review"
        beat, review = in_parallel(
            [
                lambda body=body: worker.client.post("/training/heartbeat", json=body).get_json(),
                lambda url=url, form=form: reviewers[0].post(url, data=form).status_code,
            ]
        )
        assert review == 302
        reported += beat["credited"]
        reported += worker.beat(30)["credited"]  # after the review: the ledger (本人) or nothing (非本人)
        credited, held, progress = ledger(w.person.id)
        assert held == 0 and not db.session.scalar(
            sa.select(sa.func.count(HeldCredit.id)).where(HeldCredit.snapshot_id == snapshot_id)
        )
        assert credited == progress == reported - _removed(w.person.id), round_


def test_two_reviewers_at_once_settle_the_held_credit_once(app, training_world, on, checker):
    w = training_world
    learner = Learner(logged_in_clients(app, w.worker, 1)[0], w, on, w.course.lessons[0])
    learner.consent("yes")
    learner.start()
    learner.snap()
    checker(MISMATCH)
    learner.beat(0)
    assert learner.beat(30)["held"] == "review"
    snapshot_id = db.session.scalar(sa.select(Snapshot.id))
    clients = logged_in_clients(app, w.organiser, 2)
    url = f"/training/classes/{w.training_class.id}/snapshots/{snapshot_id}/review"
    pages = in_parallel(
        [
            lambda: clients[0].post(url, data={"verdict": "same_person", "note": ""}, follow_redirects=True),
            lambda: clients[1].post(url, data={"verdict": "not_same_person", "note": "代学"}, follow_redirects=True),
        ]
    )
    texts = [p.get_data(as_text=True) for p in pages]
    saved = [t for t in texts if "复核已保存" in t]
    assert len(saved) == 1 and sum("这张抓拍已经复核过或无需复核，本次复核未保存。" in t for t in texts) == 1
    won = "same_person" if "复核已保存：本人。" in saved[0] else "not_same_person"
    db.session.expire_all()
    kinds = db.session.scalars(
        sa.select(ArchiveEvent.kind).where(
            ArchiveEvent.person_id == w.person.id, ArchiveEvent.kind.like("study.credit_%")
        )
    ).all()
    # the verdict that won settled the held 30 s, once
    expected = {
        "same_person": (["study.credit_released"], (30, 0, 30)),
        "not_same_person": (["study.credit_removed"], (0, 0, 0)),
    }
    assert (kinds, ledger(w.person.id)) == expected[won]
