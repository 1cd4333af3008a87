"""Starting or resuming an attempt: who may start now, and a freshly assembled paper frozen in the attempt.

Two concurrent starts insert with ``INSERT … ON CONFLICT (sitting_id, person_id) DO NOTHING``: one attempt wins and
both callers get it."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import sqlalchemy as sa

from app.bank.queries import question_index
from app.core import jsontext
from app.core.db import insert_on_conflict, utcnow
from app.core.errors import DomainError
from app.exams import gates
from app.exams.attempts.events import attempt_event
from app.exams.models import Attempt, AttemptLog, AttemptState, Sitting
from app.exams.sittings import is_candidate
from app.extensions import db
from question_bank import InsufficientQuestions, PaperSpec, assemble_paper


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
    """The person's attempt at ``sitting``: the existing one (any state), or a new one with a freshly assembled paper.

    A new paper is drawn with a fresh random seed and frozen in the attempt (questions, option order, seed).
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
    seed = secrets.randbits(63)
    try:
        paper = assemble_paper(PaperSpec.from_dict(sitting.spec), question_index(sitting.bank_ids), seed=seed)
    except InsufficientQuestions as exc:  # questions retired since the sitting was created
        raise DomainError("paper.insufficient", detail=str(exc)) from None
    attempt = db.session.scalars(
        insert_on_conflict(db.session, Attempt)
        .values(
            sitting_id=sitting.id,
            person_id=person_id,
            state=AttemptState.IN_PROGRESS,
            paper=paper.to_dict(),
            questions_json=jsontext.dumps(paper.public_view()),
            seed=seed,
            started_at=now,
            deadline=sitting.deadline_for(now),
            extra_minutes=0,
            focus_losses=0,
            ip=ip[:45],
            user_agent=user_agent[:300],
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
            "questions": len(paper.items),
            "deadline": attempt.deadline.isoformat(timespec="seconds"),
            "ip": ip[:45],
        },
        actor=actor,
        at=now,
    )
    return attempt
