"""Exam day through a database fault, on a real PostgreSQL server: a connection killed in the middle of an autosave,
and every web-tier connection killed between two. The request that met the fault answers 503 with ``Retry-After``
(the exam page's answer queue keeps the answer and sends it again); the retry is stored once; no acknowledged
answer is lost; the attempt is graded once at the end."""

from __future__ import annotations

import os
import threading
import time

import pytest
import sqlalchemy as sa

from app.exams.models import Answer, Attempt, AttemptState
from app.extensions import db
from tests.exams.test_concurrency import count_events, logged_in_clients, start_attempt

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
        reason="killing a server connection needs PostgreSQL (set DATABASE_URL=postgresql+psycopg://…)",
    ),
]


def stored(attempt_id: int) -> dict[int, tuple[int, list]]:
    db.session.rollback()
    rows = db.session.execute(
        sa.select(Answer.position, Answer.client_seq, Answer.response).where(Answer.attempt_id == attempt_id)
    ).all()
    return {position: (seq, response) for position, seq, response in rows}


@pytest.fixture
def web_tier():
    """The server pids of the connections this process's pool hands out (the web tier's; not the Celery worker's,
    which shares the database in CI)."""
    pids: set[int] = set()

    def checked_out(dbapi_connection, _record, _proxy):
        pids.add(dbapi_connection.info.backend_pid)

    sa.event.listen(db.engine, "checkout", checked_out)
    yield pids
    sa.event.remove(db.engine, "checkout", checked_out)


def kill(pids: set[int], where: str = "true") -> int:
    """Terminate the backends among ``pids`` matching ``where`` (SQL on pg_stat_activity); how many."""
    with db.engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                f"WHERE pid = ANY(:pids) AND pid <> pg_backend_pid() AND {where}"
            ),
            {"pids": sorted(pids)},
        ).scalar_one()


def test_an_autosave_killed_mid_statement_answers_503_and_its_retry_is_stored_once(app, exam_world, web_tier):
    attempt_id, answers = start_attempt(app, exam_world)
    page = logged_in_clients(app, exam_world.worker, 1)[0]
    url = f"/exams/attempts/{attempt_id}/answer"
    acknowledged = page.post(url, json={"position": 0, "response": answers[0], "seq": 1})
    assert acknowledged.status_code == 200

    # Another transaction holds the attempt's row: the next autosave waits inside its statement, and is killed there.
    out = {}
    with db.engine.connect() as locker:
        locker.execute(sa.select(Attempt.id).where(Attempt.id == attempt_id).with_for_update())
        save = threading.Thread(
            target=lambda: out.setdefault("r", page.post(url, json={"position": 1, "response": answers[1], "seq": 2}))
        )
        save.start()
        for _ in range(100):
            if kill(web_tier, "wait_event_type = 'Lock'"):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the autosave never waited on the attempt's row")
        locker.rollback()
    save.join(10)
    failed = out["r"]
    assert failed.status_code == 503 and failed.headers["Retry-After"] == "5"
    assert failed.get_json()["error"]["code"] == "db.unavailable"
    assert stored(attempt_id) == {0: (1, answers[0])}  # nothing half-written, the acknowledged answer kept

    # the page's queue sends the same answer again; a second copy of it (a retry whose first try did land) is a no-op
    assert page.post(url, json={"position": 1, "response": answers[1], "seq": 2}).get_json()["saved"] is True
    assert page.post(url, json={"position": 1, "response": answers[1], "seq": 2}).status_code == 200
    assert stored(attempt_id) == {0: (1, answers[0]), 1: (2, answers[1])}


def test_every_connection_killed_between_autosaves_loses_nothing_and_grades_once(app, exam_world, web_tier):
    attempt_id, answers = start_attempt(app, exam_world)
    person_id = exam_world.person.id
    page = logged_in_clients(app, exam_world.worker, 1)[0]
    url = f"/exams/attempts/{attempt_id}/answer"
    for pos in range(6):
        assert page.post(url, json={"position": pos, "response": answers[pos], "seq": 1}).status_code == 200
    db.session.rollback()
    db.session.close()  # the test's own connection goes back to the pool: it is killed with the rest

    assert kill(web_tier) >= 1  # as a restart or a failover would
    replies = []
    for pos in range(6, len(answers)):
        body = {"position": pos, "response": answers[pos], "seq": 1}
        reply = page.post(url, json=body)
        while reply.status_code == 503:  # the queue's retry (the first statement on a dead connection fails)
            replies.append(503)
            reply = page.post(url, json=body)
        assert reply.status_code == 200
    assert replies == [503]  # the pool is dropped after the first failure: only one save meets a dead connection

    assert stored(attempt_id) == {pos: (1, answers[pos]) for pos in range(len(answers))}
    submitted = page.post(f"/exams/attempts/{attempt_id}/submit")
    assert submitted.status_code == 200 and submitted.get_json()["state"] == "graded"
    assert page.post(f"/exams/attempts/{attempt_id}/submit").get_json()["state"] == "graded"
    db.session.rollback()
    graded = db.session.get(Attempt, attempt_id)
    assert graded.state is AttemptState.GRADED and graded.score == submitted.get_json()["result"]["score"] > 0
    assert count_events(person_id, "exam.graded") == 1
