"""The exam engine as the spot check uses it: one narrow seam over ``app.exams.services``.

Everything the spot check needs from exams goes through these few functions, so the ticket-scoped pages never
touch attempts directly and a change in the engine's signatures is absorbed here.
"""

from __future__ import annotations

from datetime import datetime

from app.exams import services as exams
from app.exams.models import Attempt, AttemptState, ExamKind, Sitting


def create_spotcheck_sitting(
    template,
    *,
    spec: dict,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    duration_minutes: int,
    person_ids: list[int],
    actor,
) -> Sitting:
    """The inspection's sitting: the template's banks with the inspection's own paper rules (time, pass mark,
    industry). The engine freezes the template's spec; the tailored one (already checked to be fillable) replaces
    it before anyone starts, and the answers are never shown on the phone (``allow_review`` off)."""
    sitting = exams.create_sitting(
        template,
        title=title,
        kind=ExamKind.SPOTCHECK,
        opens_at=opens_at,
        closes_at=closes_at,
        person_ids=person_ids,
        actor=actor,
        duration_minutes=duration_minutes,
    )
    sitting.spec, sitting.allow_review = spec, False
    return sitting


def create_makeup_sitting(
    original: Sitting,
    template,
    *,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    person_id: int,
    enterprise,
    actor,
) -> Sitting:
    """A one-person 补考 of a spot check, organised by the enterprise, with the spot check's paper rules."""
    sitting = exams.create_sitting(
        template,
        title=title,
        kind=ExamKind.MAKEUP,
        opens_at=opens_at,
        closes_at=closes_at,
        person_ids=[person_id],
        actor=actor,
        duration_minutes=original.duration_minutes,
        organiser={"enterprise_id": enterprise.id, "institution_id": None, "region_code": enterprise.region_code},
        makeup_of=original,
    )
    sitting.spec, sitting.bank_ids, sitting.allow_makeup = original.spec, list(original.bank_ids), False
    return sitting


def add_candidates(sitting: Sitting, person_ids: list[int]) -> int:
    return exams.add_candidates(sitting, person_ids)


def start_or_resume(sitting: Sitting, person_id: int, *, ip: str, user_agent: str, now: datetime) -> Attempt:
    return exams.start_or_resume(sitting, person_id, ip=ip, user_agent=user_agent, now=now)


def save_answer(attempt: Attempt, position: int, response, *, seq: int, now: datetime, flagged: bool = False):
    return exams.save_answer(attempt, position, response, seq, now, flagged=flagged)


def saved_answers(attempt: Attempt) -> dict[int, dict]:
    return exams.saved_answers(attempt)


def submit(attempt: Attempt, *, now: datetime) -> Attempt:
    """交卷 exactly once; the attempt comes back graded."""
    return exams.submit(attempt, now)


def finish(attempt: Attempt, *, now: datetime) -> Attempt:
    """Grade an attempt as it stands (the inspection closed or its deadline passed)."""
    if attempt.state is not AttemptState.GRADED:
        exams.submit(attempt, now)
    return attempt


def record_focus_loss(attempt: Attempt, *, now: datetime) -> int:
    return exams.record_focus_loss(attempt, now)
