"""Exactly-once submission, grading and expiry.

Each is ``UPDATE … WHERE id=:id AND state IN (sources)`` and a rowcount check: exactly one request wins, grades and
writes the archive events; every other one reads the stored result."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from app.core.db import conditional_update, utcnow
from app.exams import listeners
from app.exams.attempts.autosave import grace
from app.exams.attempts.events import attempt_event
from app.exams.models import Answer, Attempt, AttemptState, ItemResult, sources_of
from app.extensions import db
from question_bank import Paper, grade

log = logging.getLogger(__name__)


#: The attempt's columns but the deferred ones (the frozen paper, tens of kB; its questions; the result): read
#: again after a state change, which another request may have made (or counted a focus loss meanwhile).
_ROW_COLUMNS = tuple(p.key for p in sa.inspect(Attempt).column_attrs if not p.deferred)


def _set_state(attempt: Attempt, target: AttemptState, **values) -> bool:
    """Move ``attempt`` to ``target`` if it is still in a source state; True for the one caller that did it.

    Either way the attempt's row is read again (a concurrent caller may have moved it on) and its ``result``
    loads when next read; its paper, as loaded, is not read again."""
    won = (
        db.session.execute(
            conditional_update(Attempt)
            .where(Attempt.id == attempt.id, Attempt.state.in_(sources_of(target)))
            .values(**values)
        ).rowcount
        == 1
    )
    db.session.refresh(attempt, attribute_names=_ROW_COLUMNS)
    db.session.expire(attempt, ["result"])
    return won


def submit(attempt: Attempt, now: datetime | None = None, *, by=None) -> Attempt:
    """交卷, exactly once: the first caller moves the attempt on and grades it; later or concurrent callers
    (double click, retry, second device, the beat job) get the same stored result.

    An attempt submitted after its deadline plus grace is recorded as expired (its late answers were refused anyway).

    :param by: the ``User`` who submitted, or None for the system (expiry).
    :return: the attempt, graded.
    """
    now = now or utcnow()
    if attempt.state is AttemptState.IN_PROGRESS:
        in_time = Attempt.deadline >= now - grace()
        state = sa.case((in_time, AttemptState.SUBMITTED.value), else_=AttemptState.EXPIRED.value)
        if _set_state(attempt, AttemptState.SUBMITTED, state=state, submitted_at=now):
            kind = "exam.submitted" if attempt.state is AttemptState.SUBMITTED else "exam.expired"
            answers = _saved_answers(attempt)  # final now: the state refuses any later save
            attempt_event(
                attempt.sitting,
                attempt.person_id,
                kind,
                {"attempt": attempt.id, "answered": len(answers)},
                actor=by,
                at=now,
            )
            return grade_attempt(attempt, now, answers=answers)
    if attempt.state in (AttemptState.SUBMITTED, AttemptState.EXPIRED):
        grade_attempt(attempt, now)
    return attempt


def _saved_answers(attempt: Attempt) -> dict[int, object]:
    """position → response of every saved answer (a cleared one as None)."""
    rows = db.session.execute(sa.select(Answer.position, Answer.response).where(Answer.attempt_id == attempt.id))
    return dict(rows.all())


def grade_attempt(attempt: Attempt, now: datetime | None = None, *, answers: dict | None = None) -> Attempt:
    """Grade a submitted or expired attempt from its frozen paper and saved answers (idempotent once graded).

    :param answers: the attempt's saved answers when the caller has just read them (:func:`_saved_answers`).

    :raises InvalidTransition: for an attempt still in progress.
    """
    if attempt.state is AttemptState.GRADED:
        return attempt
    attempt.check_transition(AttemptState.GRADED)
    now = now or utcnow()
    paper = Paper.from_dict(attempt.paper)
    result = grade(paper, _saved_answers(attempt) if answers is None else answers)
    if _set_state(
        attempt,
        AttemptState.GRADED,
        state=AttemptState.GRADED,
        graded_at=now,
        score=result.total,
        max_score=result.max_total,
        passed=result.passed,
        result=result.to_dict(),
    ):
        _store_item_results(attempt, paper, result)
        attempt_event(
            attempt.sitting,
            attempt.person_id,
            "exam.graded",
            {
                "attempt": attempt.id,
                "score": result.total,
                "max_score": result.max_total,
                "pass_mark": paper.spec.pass_mark,
                "passed": result.passed,
            },
            at=now,
        )
        listeners.graded(attempt)
    return attempt


def _store_item_results(attempt: Attempt, paper: Paper, result) -> None:
    """One row per question of a graded attempt, so "most missed questions", topic and pass-rate figures are SQL
    over a narrow table instead of Python over every frozen paper."""
    topics = [item.question.tags.topic[:60] for item in paper.items]
    rows = [
        {
            "attempt_id": attempt.id,
            "sitting_id": attempt.sitting_id,
            "person_id": attempt.person_id,
            "position": r.position,
            "question_key": r.key[:64],
            "topic": topics[r.position],
            "answered": r.response is not None,
            "correct": r.correct,
            "score": r.score,
            "max_score": r.max_score,
        }
        for r in result.items
    ]
    if rows:  # Core's executemany, not the ORM's bulk insert: no objects
        db.session.execute(ItemResult.__table__.insert(), rows)


def expire(attempt: Attempt, now: datetime | None = None) -> bool:
    """Close an attempt whose time is up, and grade it; True when this call closed it.

    The ``UPDATE`` re-checks the deadline: an organiser who has just extended the candidate's time (a later
    deadline) wins over the job that read the old one.
    """
    now = now or utcnow()
    closed = (
        db.session.execute(
            conditional_update(Attempt)
            .where(
                Attempt.id == attempt.id,
                Attempt.state == AttemptState.IN_PROGRESS,
                Attempt.deadline < now - grace(),
            )
            .values(state=AttemptState.EXPIRED, submitted_at=now)
        ).rowcount
        == 1
    )
    db.session.refresh(attempt, attribute_names=_ROW_COLUMNS)
    if closed:
        answers = _saved_answers(attempt)
        attempt_event(
            attempt.sitting,
            attempt.person_id,
            "exam.expired",
            {"attempt": attempt.id, "answered": len(answers)},
            at=now,
        )
        grade_attempt(attempt, now, answers=answers)
    return closed


def expire_overdue(now: datetime | None = None, *, limit: int = 200) -> int:
    """Close and grade up to ``limit`` attempts past their deadline plus grace, and grade any left submitted.

    Used by the beat task, which calls it until it returns less than ``limit``.
    :return: how many attempts were handled.
    """
    now = now or utcnow()
    overdue = db.session.scalars(
        sa.select(Attempt)
        .where(Attempt.state == AttemptState.IN_PROGRESS, Attempt.deadline < now - grace())
        .order_by(Attempt.deadline)
        .limit(limit)
    ).all()
    for attempt in overdue:
        expire(attempt, now)
    ungraded = db.session.scalars(
        sa.select(Attempt).where(Attempt.state.in_(sources_of(AttemptState.GRADED))).limit(max(0, limit - len(overdue)))
    ).all()
    for attempt in ungraded:
        grade_attempt(attempt, now)
    return len(overdue) + len(ungraded)
