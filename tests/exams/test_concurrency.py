"""Races that only a real database server shows: every request runs in its own thread, app context, session and
connection (``app.test_client()`` per thread, lined up on a barrier).

SQLite serialises writers on one file lock, so these prove nothing there; CI runs them with
``DATABASE_URL=postgresql+psycopg://…``.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.core.db import utcnow
from app.exams.attempts import preparing
from app.exams.models import Answer, Attempt, AttemptState, PreparedPaper
from app.extensions import db
from tests.exams.conftest import right_answer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
        reason="concurrency tests need PostgreSQL (set DATABASE_URL=postgresql+psycopg://…); "
        "SQLite serialises all writers, so the races cannot happen there",
    ),
]

N = 20


def logged_in_clients(app, user, n):
    """``n`` clients sharing one login (one password check: scrypt is slow), like tabs of one browser."""
    first = app.test_client()
    assert first.post("/login", data={"username": user.username, "password": "pw"}).status_code == 302
    cookie = first.get_cookie("session")
    clients = [first]
    for _ in range(n - 1):
        c = app.test_client()
        c.set_cookie("session", cookie.value, domain=cookie.domain)
        clients.append(c)
    return clients


def in_parallel(calls):
    """Run the callables at the same instant (barrier), each in its own thread; return their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def start_attempt(app, world) -> tuple[int, list]:
    """Start through the app; return the attempt id and its right answers (plain values: threads can't lazy-load)."""
    c = logged_in_clients(app, world.worker, 1)[0]
    assert c.post(f"/exams/sittings/{world.sitting.id}/start").status_code == 302
    db.session.rollback()
    attempt = db.session.scalars(sa.select(Attempt).where(Attempt.person_id == world.person.id)).one()
    return attempt.id, [right_answer(attempt, pos) for pos in range(len(attempt.paper["items"]))]


def count_events(person_id, kind):
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ArchiveEvent)
        .where(ArchiveEvent.person_id == person_id, ArchiveEvent.kind == kind)
    )


def test_parallel_starts_create_one_attempt(app, exam_world):
    clients = logged_in_clients(app, exam_world.worker, 10)
    url = f"/exams/sittings/{exam_world.sitting.id}/start"
    responses = in_parallel([lambda c=c: c.post(url) for c in clients])
    assert {r.status_code for r in responses} == {302}
    assert len({r.location for r in responses}) == 1
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1
    assert count_events(exam_world.person.id, "exam.started") == 1


def test_parallel_starts_with_a_prepared_paper_create_one_attempt_with_that_paper(app, exam_world):
    preparing.prepare_papers(exam_world.sitting)
    db.session.commit()
    prepared_seed = db.session.scalar(
        sa.select(PreparedPaper.seed).where(PreparedPaper.person_id == exam_world.person.id)
    )
    clients = logged_in_clients(app, exam_world.worker, 10)
    url = f"/exams/sittings/{exam_world.sitting.id}/start"
    responses = in_parallel([lambda c=c: c.post(url) for c in clients])
    assert {r.status_code for r in responses} == {302}
    assert len({r.location for r in responses}) == 1
    db.session.rollback()
    [attempt] = db.session.scalars(sa.select(Attempt)).all()
    assert attempt.seed == prepared_seed and attempt.paper["seed"] == prepared_seed
    assert count_events(exam_world.person.id, "exam.started") == 1
    left = db.session.scalars(sa.select(PreparedPaper.person_id)).all()
    assert exam_world.person.id not in left and len(left) == len(exam_world.persons) - 1


def test_parallel_autosaves_of_one_question_keep_the_latest(app, exam_world):
    attempt_id, _answers = start_attempt(app, exam_world)
    items = db.session.get(Attempt, attempt_id).paper["items"]
    single = next(i for i, it in enumerate(items) if it["question"]["type"] == "single")
    clients = logged_in_clients(app, exam_world.worker, N)
    for round_ in range(3):
        base = round_ * 100
        calls = [
            lambda c=c, seq=base + i + 1: c.post(
                f"/exams/attempts/{attempt_id}/answer", json={"position": single, "response": [seq % 4], "seq": seq}
            )
            for i, c in enumerate(reversed(clients))
        ]
        responses = in_parallel(calls)
        assert all(r.status_code == 200 for r in responses), [r.data for r in responses if r.status_code != 200]
        db.session.rollback()
        row = db.session.scalars(
            sa.select(Answer).where(Answer.attempt_id == attempt_id, Answer.position == single)
        ).one()
        assert (row.client_seq, row.response) == (base + N, [(base + N) % 4])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 1


def test_parallel_submits_give_one_result(app, exam_world):
    attempt_id, answers = start_attempt(app, exam_world)
    clients = logged_in_clients(app, exam_world.worker, N)
    for pos in range(12):
        clients[0].post(
            f"/exams/attempts/{attempt_id}/answer", json={"position": pos, "response": answers[pos], "seq": 1}
        )
    responses = in_parallel([lambda c=c: c.post(f"/exams/attempts/{attempt_id}/submit") for c in clients])
    assert {r.status_code for r in responses} == {200}
    results = {(r.json["state"], r.json["result"]["score"], r.json["result"]["passed"]) for r in responses}
    assert len(results) == 1 and results.pop()[0] == "graded"
    db.session.rollback()
    assert count_events(exam_world.person.id, "exam.submitted") == 1
    assert count_events(exam_world.person.id, "exam.graded") == 1
    graded = db.session.get(Attempt, attempt_id)
    assert graded.state is AttemptState.GRADED and graded.score == responses[0].json["result"]["score"] > 0


def test_autosave_after_the_deadline_is_refused(app, exam_world):
    attempt_id, _answers = start_attempt(app, exam_world)
    db.session.execute(
        sa.update(Attempt)
        .where(Attempt.id == attempt_id)
        .values(deadline=utcnow() - timedelta(seconds=app.config["EXAM_GRACE_SECONDS"] + 5))
    )
    db.session.commit()
    clients = logged_in_clients(app, exam_world.worker, N)
    responses = in_parallel(
        [
            lambda c=c, i=i: c.post(
                f"/exams/attempts/{attempt_id}/answer", json={"position": i, "response": None, "seq": 1}
            )
            for i, c in enumerate(clients)
        ]
    )
    assert {r.status_code for r in responses} == {409}
    assert {r.json["error"]["code"] for r in responses} == {"attempt.closed"}
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


def test_autosaves_racing_a_submit_are_either_graded_or_refused(app, exam_world):
    """No answer may be stored after grading: every accepted save is in the graded result, every later one refused."""
    attempt_id, answers = start_attempt(app, exam_world)
    clients = logged_in_clients(app, exam_world.worker, N)
    n_items = len(answers)

    def save(c, i):
        pos = i % n_items
        return (
            "save",
            pos,
            c.post(
                f"/exams/attempts/{attempt_id}/answer", json={"position": pos, "response": answers[pos], "seq": 1 + i}
            ),
        )

    calls = [lambda c=c, i=i: save(c, i) for i, c in enumerate(clients[:-1])]
    calls.insert(N // 2, lambda: ("submit", None, clients[-1].post(f"/exams/attempts/{attempt_id}/submit")))
    outcomes = in_parallel(calls)
    db.session.rollback()
    graded = db.session.get(Attempt, attempt_id)
    assert graded.state is AttemptState.GRADED
    answered_in_result = {item["position"] for item in graded.result["items"] if item["response"] is not None}
    stored = set(db.session.scalars(sa.select(Answer.position).where(Answer.attempt_id == attempt_id)))
    accepted = {pos for kind, pos, r in outcomes if kind == "save" and r.status_code == 200}
    refused = {pos for kind, pos, r in outcomes if kind == "save" and r.status_code == 409}
    assert stored == accepted == answered_in_result
    assert accepted | refused == {i % n_items for i in range(N - 1)}
