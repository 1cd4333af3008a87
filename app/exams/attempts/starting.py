"""Starting or resuming an attempt: who may start now, and the candidate's paper frozen in the attempt — the one
drawn before the start (``app.exams.attempts.preparing``) or, without one, a paper drawn now by the same rule.

Two concurrent starts insert with ``INSERT … ON CONFLICT (sitting_id, person_id) DO NOTHING``: one attempt wins and
both callers get it."""

from __future__ import annotations

import hmac
from datetime import datetime

import sqlalchemy as sa

from app.bank.queries import bank_revisions
from app.core import jsontext
from app.core.db import dialect_name, insert_on_conflict, utcnow
from app.core.errors import DomainError
from app.exams import gates
from app.exams.attempts.events import attempt_event
from app.exams.attempts.preparing import draw_paper
from app.exams.models import Attempt, AttemptLog, AttemptState, PreparedPaper, Sitting
from app.exams.sittings import is_candidate
from app.extensions import db


def find_attempt(sitting: Sitting, person_id: int) -> Attempt | None:
    return db.session.scalars(
        sa.select(Attempt).where(Attempt.sitting_id == sitting.id, Attempt.person_id == person_id)
    ).first()


def check_can_start(sitting: Sitting, person_id: int, now: datetime, access_code: str | None = None) -> None:
    """:raises DomainError: unless the person may start a new attempt of ``sitting`` now."""
    if not is_candidate(sitting, person_id):
        raise DomainError("sitting.not_candidate")
    if now < sitting.opens_at:
        raise DomainError("sitting.not_open", opens_at=sitting.opens_at)
    if now >= sitting.closes_at:
        raise DomainError("sitting.closed")
    if sitting.access_code and not hmac.compare_digest(
        (access_code or "").strip().encode(), sitting.access_code.encode()
    ):
        raise DomainError("sitting.access_code")
    if (not_yet := gates.start_refusal(sitting, person_id, now)) is not None:  # e.g. 逢培必考: hours first
        raise DomainError("sitting.not_yet", reason=not_yet)


def start_or_resume(
    sitting: Sitting,
    person_id: int,
    *,
    ip: str = "",
    user_agent: str = "",
    now: datetime | None = None,
    access_code: str | None = None,
    actor=None,
) -> Attempt:
    """The person's attempt at ``sitting``: the existing one (any state), or a new one with its paper.

    The paper is the one drawn for the person before the start, or drawn now: either way with a fresh random seed by
    :func:`app.exams.attempts.preparing.draw_paper`, and frozen in the attempt (questions, option order, seed).
    Two concurrent starts insert with ``ON CONFLICT DO NOTHING``: one row wins and both callers get it.

    :raises DomainError: see :func:`check_can_start` (only when no attempt exists yet: resuming needs no code).
    """
    now = now or utcnow()
    attempt = find_attempt(sitting, person_id)
    if attempt is not None:
        if attempt.is_open and (ip, user_agent[:300]) != (attempt.ip, attempt.user_agent):
            db.session.add(
                AttemptLog(
                    attempt_id=attempt.id, kind="resumed", detail={"ip": ip, "user_agent": user_agent[:300]}, at=now
                )
            )
            db.session.flush()
        return attempt
    check_can_start(sitting, person_id, now, access_code)
    started = {
        "sitting_id": sitting.id,
        "person_id": person_id,
        "state": AttemptState.IN_PROGRESS,
        "started_at": now,
        "deadline": sitting.deadline_for(now),
        "extra_minutes": 0,
        "focus_losses": 0,
        "ip": ip[:45],
        "user_agent": user_agent[:300],
    }
    attempt = _start_prepared(sitting, person_id, started)
    if attempt is None:  # no paper drawn before (or the banks changed since): draw it now, by the same rule
        seed, paper = draw_paper(sitting)
        attempt = db.session.scalars(
            insert_on_conflict(db.session, Attempt)
            .values(
                **started,
                paper=paper.to_dict(),
                questions_json=jsontext.dumps(paper.public_view()),
                seed=seed,
            )
            .on_conflict_do_nothing(index_elements=["sitting_id", "person_id"])
            .returning(Attempt)
        ).first()
    if attempt is None:  # a concurrent start won: its attempt is the one
        return find_attempt(sitting, person_id)
    attempt_event(
        sitting,
        person_id,
        "exam.started",
        {
            "attempt": attempt.id,
            "questions": sitting.question_count,
            "deadline": attempt.deadline.isoformat(timespec="seconds"),
            "ip": ip[:45],
        },
        actor=actor,
        at=now,
    )
    return attempt


def _start_prepared(sitting: Sitting, person_id: int, started: dict) -> Attempt | None:
    """The attempt started with the person's prepared paper (``app.exams.attempts.preparing``), or None when there is
    none drawn from the banks as they stand now (a stale one is deleted all the same) or a concurrent start won.

    On PostgreSQL one statement: the prepared row's ``DELETE … RETURNING`` as a data-modifying CTE, and the attempt's
    ``INSERT … SELECT … ON CONFLICT (sitting_id, person_id) DO NOTHING`` from it; the paper never passes through
    Python. Elsewhere the same in two statements."""
    prepared = PreparedPaper.__table__
    taken = (
        sa.delete(prepared)
        .where(prepared.c.sitting_id == sitting.id, prepared.c.person_id == person_id)
        .returning(prepared.c.seed, prepared.c.paper, prepared.c.questions_json, prepared.c.revisions)
    )
    revisions = bank_revisions(sitting.bank_ids)
    insert = insert_on_conflict(db.session, Attempt)
    if dialect_name(db.session) == "postgresql":
        cte = taken.cte("taken")
        columns = [*started, "paper", "questions_json", "seed"]
        rows = sa.select(
            *(sa.literal(value, type_=Attempt.__table__.c[name].type) for name, value in started.items()),
            cte.c.paper,
            cte.c.questions_json,
            cte.c.seed,
        ).where(cte.c.revisions == revisions)
        stmt = insert.from_select(columns, rows)
    else:
        row = db.session.execute(taken).first()
        if row is None or row.revisions != revisions:
            return None
        stmt = insert.values(**started, paper=row.paper, questions_json=row.questions_json, seed=row.seed)
    return db.session.scalars(
        stmt.on_conflict_do_nothing(index_elements=["sitting_id", "person_id"]).returning(Attempt)
    ).first()
