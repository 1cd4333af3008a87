"""Papers drawn before the start, so that 开始考试 in the start rush is one statement instead of an assembly.

A sitting's candidates get their paper in keyset batches (``prepare_papers``), by the beat job of
``app.exams.tasks`` from an hour before the sitting opens. Each paper is drawn exactly as the start draws it
(:func:`draw_paper`: the sitting's frozen spec, the live questions of its banks, a fresh random seed) and kept in
``exams_prepared_papers`` with the banks' revisions. The start (``app.exams.attempts.starting``) moves it into the
attempt; a candidate with no prepared paper, or whose banks changed since, gets one drawn at the start, as before.
Nothing shows a prepared paper: only the start reads it.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.bank.queries import bank_revisions, question_index
from app.core import jsontext
from app.core.db import insert_on_conflict, utcnow
from app.core.errors import DomainError
from app.exams.models import Attempt, Candidate, ExamKind, PreparedPaper, Sitting
from app.extensions import db
from question_bank import InsufficientQuestions, Paper, PaperSpec, QuestionIndex, assemble_paper

log = logging.getLogger(__name__)

#: How long before a sitting opens its candidates' papers are drawn (a bank changed later means a draw at start).
AHEAD = timedelta(hours=1)


def draw_paper(sitting: Sitting, index: QuestionIndex | None = None) -> tuple[int, Paper]:
    """A fresh seed and the paper it draws for ``sitting``: the one rule of both the start and the preparation.

    :param index: the sitting's ``question_index`` when the caller has it already.
    :raises DomainError: ``paper.insufficient`` when the banks no longer hold enough questions for the spec.
    """
    seed = secrets.randbits(63)
    index = index or question_index(sitting.bank_ids)
    try:
        return seed, assemble_paper(PaperSpec.from_dict(sitting.spec), index, seed=seed)
    except InsufficientQuestions as exc:  # questions retired since the sitting was created
        raise DomainError("paper.insufficient", detail=str(exc)) from None


def prepare_papers(sitting: Sitting, *, after_person: int = 0, limit: int = 200) -> tuple[int, int | None]:
    """Draw the papers of up to ``limit`` candidates of ``sitting`` (person id above ``after_person``) who have
    neither an attempt nor a prepared paper; flushes, the caller commits.

    :return: (papers drawn, the last person id looked at, or None when no candidate is left after it) — the next
        batch starts after that id.
    """
    person_ids = db.session.scalars(
        sa.select(Candidate.person_id)
        .where(Candidate.sitting_id == sitting.id, Candidate.person_id > after_person)
        .order_by(Candidate.person_id)
        .limit(limit)
    ).all()
    if not person_ids:
        return 0, None
    taken = set(
        db.session.scalars(
            sa.select(Attempt.person_id).where(Attempt.sitting_id == sitting.id, Attempt.person_id.in_(person_ids))
        )
    ) | set(
        db.session.scalars(
            sa.select(PreparedPaper.person_id).where(
                PreparedPaper.sitting_id == sitting.id, PreparedPaper.person_id.in_(person_ids)
            )
        )
    )
    revisions = bank_revisions(sitting.bank_ids)
    index = question_index(sitting.bank_ids)
    rows = []
    for person_id in person_ids:
        if person_id in taken:
            continue
        seed, paper = draw_paper(sitting, index)
        rows.append(
            {
                "sitting_id": sitting.id,
                "person_id": person_id,
                "seed": seed,
                "paper": paper.to_dict(),
                "questions_json": jsontext.dumps(paper.public_view()),
                "revisions": revisions,
                "prepared_at": utcnow(),
            }
        )
    if rows:
        db.session.execute(
            insert_on_conflict(db.session, PreparedPaper.__table__).on_conflict_do_nothing(
                index_elements=["sitting_id", "person_id"]
            ),
            rows,
        )
    return len(rows), person_ids[-1]


def sittings_to_prepare(now: datetime | None = None) -> list[Sitting]:
    """Self-service sittings that open within :data:`AHEAD` or are open (a 逢查必考 starts from its ticket at once)."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Sitting)
            .where(Sitting.opens_at <= now + AHEAD, Sitting.closes_at > now, Sitting.kind != ExamKind.SPOTCHECK)
            .order_by(Sitting.opens_at, Sitting.id)
        )
    )


def forget_closed(now: datetime | None = None) -> int:
    """Delete the prepared papers of sittings that have closed (their candidates never started); how many."""
    now = now or utcnow()
    closed = sa.select(Sitting.id).where(Sitting.closes_at <= now)
    return db.session.execute(sa.delete(PreparedPaper).where(PreparedPaper.sitting_id.in_(closed))).rowcount
