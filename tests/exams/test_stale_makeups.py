"""Two organisers (or a double click) scheduling the 补考 of one sitting at once. Played in order, deterministically:
the other request in an app context (and session) of its own that commits, this one with the objects it loaded
before, as the view runs it (commit, or roll back and show the refusal). The failed candidate must be in one 补考,
not two, and the request that comes second is refused."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.core.db import utcnow
from app.exams import makeups
from app.exams.attempts import grading, starting
from app.exams.models import Candidate, ExamKind, Sitting
from app.extensions import db
from tests.exams.conftest import answer_all
from tests.interleaving import another_request, as_the_view


def schedule(original: Sitting, actor: User) -> Sitting:
    now = utcnow()
    return makeups.create_makeup_sitting(
        original, opens_at=now + timedelta(hours=1), closes_at=now + timedelta(hours=3), actor=actor
    )


def makeups_for(original_id: int, person_id: int) -> list[int]:
    """The 补考 sittings stored for ``original_id`` that ``person_id`` is a candidate of."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Sitting.id)
            .join(Candidate, Candidate.sitting_id == Sitting.id)
            .where(
                Sitting.kind == ExamKind.MAKEUP, Sitting.makeup_of_id == original_id, Candidate.person_id == person_id
            )
        )
    )


def test_a_makeup_scheduled_twice_at_once_is_one_makeup(app, exam_world):
    """The second click's request loaded the sitting (its 补考 form) before the first one committed its 补考."""
    w = exam_world
    attempt = starting.start_or_resume(w.sitting, w.person.id)
    answer_all(attempt, correct=5)
    grading.submit(attempt)
    db.session.commit()
    original, organiser = w.sitting, w.organiser
    original_id, organiser_id, person_id = original.id, organiser.id, w.person.id
    assert makeups.makeup_candidates(original) == [person_id]  # the second click's request has loaded the sitting

    with another_request(app):
        schedule(db.session.get(Sitting, original_id), db.session.get(User, organiser_id))
    refused = as_the_view(lambda: schedule(original, organiser))

    assert len(makeups_for(original_id, person_id)) == 1, "the failed candidate was given two 补考"
    assert refused is not None and refused.code == "makeup.none"
    assert refused.message == "没有可以参加补考的考生"


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="needs PostgreSQL's row locks (SQLite ignores SELECT … FOR UPDATE)",
)
def test_a_makeup_scheduled_between_the_check_and_the_insert_of_another_is_refused(app, exam_world, monkeypatch):
    """The race itself: the other organiser's request runs after this one has checked that nobody's 补考 is
    scheduled, before it stores its own. It must wait for this one (it gives up here after a lock timeout: one
    thread cannot wait for itself) and, going on once this one has committed, be refused."""
    w = exam_world
    attempt = starting.start_or_resume(w.sitting, w.person.id)
    answer_all(attempt, correct=5)
    grading.submit(attempt)
    db.session.commit()
    original_id, organiser_id, person_id = w.sitting.id, w.organiser.id, w.person.id

    def other_request():
        with another_request(app):
            db.session.execute(sa.text("SET LOCAL lock_timeout = '1s'"))
            return as_the_view(
                lambda: schedule(db.session.get(Sitting, original_id), db.session.get(User, organiser_id))
            )

    real_new_sitting, waited = makeups.new_sitting, []

    def new_sitting_after_the_other_request(**kw):
        monkeypatch.setattr(makeups, "new_sitting", real_new_sitting)
        try:
            other_request()
        except sa.exc.OperationalError as exc:  # it waited on this request's lock
            waited.append(str(exc))
        return real_new_sitting(**kw)

    monkeypatch.setattr(makeups, "new_sitting", new_sitting_after_the_other_request)
    assert as_the_view(lambda: schedule(w.sitting, w.organiser)) is None
    refused = other_request() if waited else None  # the waiting request goes on

    assert len(makeups_for(original_id, person_id)) == 1, "the failed candidate was given two 补考"
    assert all("lock timeout" in error for error in waited)
    assert refused is not None and refused.code == "makeup.none"
    assert refused.message == "没有可以参加补考的考生"
