"""Papers drawn before the start: the start freezes the prepared paper (same rule, same seed) in one statement, a
bank changed since means a paper drawn at the start, and the beat job prepares the sittings about to open."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.bank.models import Bank
from app.bank.queries import bump_revision, question_index
from app.core.db import utcnow
from app.exams.attempts import preparing, starting
from app.exams.models import Attempt, PreparedPaper
from app.exams.tasks import prepare_papers
from app.extensions import db
from question_bank import PaperSpec, assemble_paper
from tests.exams.conftest import make_sitting


def prepared(sitting) -> dict[int, PreparedPaper]:
    rows = db.session.scalars(sa.select(PreparedPaper).where(PreparedPaper.sitting_id == sitting.id))
    return {row.person_id: row for row in rows}


def start(world, person=None):
    return starting.start_or_resume(world.sitting, (person or world.person).id, ip="10.0.0.1", user_agent="pytest")


def test_the_start_freezes_the_prepared_paper_and_deletes_it(exam_world):
    assert preparing.prepare_papers(exam_world.sitting) == (3, max(p.id for p in exam_world.persons))
    db.session.commit()
    papers = prepared(exam_world.sitting)
    mine = papers[exam_world.person.id]
    seed, paper, questions = mine.seed, mine.paper, mine.questions_json
    assert len({p.seed for p in papers.values()}) == 3  # a fresh seed each, as at the start

    attempt = start(exam_world)
    db.session.commit()
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert (attempt.seed, attempt.paper, attempt.questions_json) == (seed, paper, questions)
    # drawn by the start's own rule: the seed reproduces the paper
    spec = PaperSpec.from_dict(exam_world.sitting.spec)
    assert assemble_paper(spec, question_index(exam_world.sitting.bank_ids), seed=seed).to_dict() == paper
    assert exam_world.person.id not in prepared(exam_world.sitting)
    [event] = db.session.scalars(
        sa.select(ArchiveEvent).where(
            ArchiveEvent.person_id == exam_world.person.id, ArchiveEvent.kind == "exam.started"
        )
    ).all()
    assert '"questions":24' in event.payload.replace(" ", "")


def test_a_bank_changed_after_the_draw_means_a_paper_drawn_at_the_start(exam_world):
    preparing.prepare_papers(exam_world.sitting)
    db.session.commit()
    stale = prepared(exam_world.sitting)[exam_world.person.id].seed
    for bank in db.session.scalars(sa.select(Bank).where(Bank.id.in_(exam_world.sitting.bank_ids))):
        bump_revision(bank)
    db.session.commit()

    attempt = start(exam_world)
    db.session.commit()
    assert attempt.seed != stale and attempt.paper["seed"] == attempt.seed
    assert exam_world.person.id not in prepared(exam_world.sitting)


def test_preparation_goes_in_keyset_batches_and_skips_who_has_a_paper(exam_world):
    start(exam_world)  # started already: nothing to prepare
    db.session.commit()
    ids = sorted(p.id for p in exam_world.persons)
    batches, after = [], 0
    while after is not None:
        drawn, after = preparing.prepare_papers(exam_world.sitting, after_person=after, limit=1)
        batches.append(drawn)
    db.session.commit()
    assert sorted(prepared(exam_world.sitting)) == [i for i in ids if i != exam_world.person.id]
    assert sum(batches) == 2
    assert preparing.prepare_papers(exam_world.sitting) == (0, ids[-1])  # drawn once


def test_the_beat_job_prepares_the_sittings_opening_within_the_hour_and_forgets_closed_ones(app, exam_world):
    now = utcnow()
    later = make_sitting(
        exam_world.template,
        exam_world.organiser,
        exam_world.persons,
        opens=now + timedelta(hours=2),
        closes=now + timedelta(hours=5),
    )
    soon = make_sitting(
        exam_world.template,
        exam_world.organiser,
        exam_world.persons,
        opens=now + timedelta(minutes=30),
        closes=now + timedelta(hours=5),
    )
    db.session.commit()
    assert prepare_papers() == 6  # the open sitting's 3 and the 3 of the one opening in 30 minutes
    db.session.rollback()
    assert len(prepared(exam_world.sitting)) == len(prepared(soon)) == 3 and not prepared(later)

    exam_world.sitting.closes_at = now - timedelta(minutes=1)
    db.session.commit()
    assert prepare_papers() == 0
    db.session.rollback()
    assert not prepared(exam_world.sitting) and len(prepared(soon)) == 3
    entry = app.config["CELERY"]["beat_schedule"]["exams-prepare-papers"]
    assert entry == {"task": "exams.prepare_papers", "schedule": 300}
