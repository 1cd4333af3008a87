"""实操 signatures racing on PostgreSQL: each request in its own thread, session and connection, lined up on a barrier
(SQLite serialises writers, so these prove nothing there)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.core.clock import local_today
from app.exams.practical import candidates
from app.exams.practical.models import PracticalAttempt, PracticalSignature
from app.extensions import db
from app.people.models import Post
from tests.exams.practical_world import marks, theory_exam
from tests.exams.test_concurrency import in_parallel, logged_in_clients

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
        reason="concurrency tests need PostgreSQL (set DATABASE_URL=postgresql+psycopg://…)",
    ),
]

ROUNDS = 8


def _candidates(w, factory, n) -> list[int]:
    """``n`` special operators with a theory pass, enrolled in today's sitting; their attempt ids."""
    today = local_today()
    persons = [
        factory.employ(w.enterprise, name=f"并发{i}", post=Post.SPECIAL_OPERATOR, operation_code="1.2").person
        for i in range(n)
    ]
    for person in persons:
        theory_exam(person, today - timedelta(days=5))
    sitting = w.sitting(today)
    candidates.add_candidates(sitting, [p.id for p in persons], actor=w.organiser)
    db.session.commit()
    return list(db.session.scalars(sa.select(PracticalAttempt.id).order_by(PracticalAttempt.id)))


def _form(total: float) -> dict:
    return {f"score-{code}": str(value) for code, value in marks(total).items()}


def test_the_last_two_signatures_at_once_grade_once(app, practical_world, factory):
    w = practical_world
    attempt_ids = _candidates(w, factory, ROUNDS)
    first = logged_in_clients(app, w.organiser, 1)[0]
    second = logged_in_clients(app, w.examiner, 1)[0]
    for attempt_id in attempt_ids:
        url = f"/exams/practical/attempts/{attempt_id}/score"
        responses = in_parallel(
            [lambda u=url: first.post(u, data=_form(90)), lambda u=url: second.post(u, data=_form(85))]
        )
        assert [r.status_code for r in responses] == [302, 302]
    db.session.rollback()
    attempts = db.session.scalars(sa.select(PracticalAttempt).order_by(PracticalAttempt.id)).all()
    assert [(a.signatures, a.score, a.passed) for a in attempts] == [(2, 87.5, True)] * ROUNDS
    assert all(a.graded_at is not None for a in attempts)
    events = db.session.scalars(
        sa.select(ArchiveEvent.person_id).where(ArchiveEvent.kind == "exam.practical_graded")
    ).all()
    assert sorted(events) == sorted(a.person_id for a in attempts)  # one each
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PracticalSignature)) == 2 * ROUNDS


def test_one_examiner_pressing_sign_on_several_devices_signs_once(app, practical_world, factory):
    w = practical_world
    attempt_ids = _candidates(w, factory, 3)
    clients = logged_in_clients(app, w.organiser, 10)
    for attempt_id in attempt_ids:
        url = f"/exams/practical/attempts/{attempt_id}/score"
        responses = in_parallel([lambda c=c, t=t, u=url: c.post(u, data=_form(80 + t)) for t, c in enumerate(clients)])
        assert sorted(r.status_code for r in responses) == [200] * 9 + [302]
        refused = [r for r in responses if r.status_code == 200]
        assert all("不能重复提交" in r.get_data(as_text=True) for r in refused)
    db.session.rollback()
    attempts = db.session.scalars(sa.select(PracticalAttempt)).all()
    assert [(a.signatures, a.graded_at) for a in attempts] == [(1, None)] * 3
    signatures = db.session.scalars(sa.select(PracticalSignature)).all()
    assert sorted(s.attempt_id for s in signatures) == sorted(attempt_ids)
