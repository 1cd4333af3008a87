"""The exam engine as the spot check uses it: the one seam between ``app.spotchecks`` and ``app.exams``.

Everything the spot check needs from exams — creating its sitting and the 补考 of a finding, enrolling and removing
candidates, starting, saving, submitting and finishing attempts, reading one — goes through these functions. No
other spotchecks module imports ``app.exams`` (a test checks it), so the ticket pages never touch attempts directly
and a change in the engine's signatures is absorbed here.
"""

from __future__ import annotations

from datetime import datetime

from app.exams import makeups, sittings
from app.exams.attempts import autosave, grading, starting, supervision
from app.exams.models import Attempt, AttemptState, ExamKind, ItemResult, Sitting
from question_bank import PaperSpec

__all__ = ["Attempt", "AttemptState", "ItemResult", "Sitting"]


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
    industry), organised by the regulator's jurisdiction. The answers are never shown on the phone."""
    return sittings.new_sitting(
        title=title,
        kind=ExamKind.SPOTCHECK,
        subject=sittings.subject_of(ExamKind.SPOTCHECK, "", ""),
        template_id=template.id,
        spec=PaperSpec.from_dict(spec),
        bank_ids=list(template.bank_ids),
        opens_at=opens_at,
        closes_at=closes_at,
        duration_minutes=duration_minutes,
        allow_review=False,
        allow_makeup=False,
        organiser=sittings.organiser_of(actor),
        person_ids=person_ids,
        actor=actor,
    )


def create_makeup_sitting(
    original: Sitting, *, title: str, opens_at: datetime, closes_at: datetime, person_id: int, enterprise, actor
) -> Sitting:
    """A one-person 补考 of a spot check, organised by the enterprise, with the spot check's paper rules."""
    return makeups.create_makeup_sitting(
        original,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        person_ids=[person_id],
        organiser={"enterprise_id": enterprise.id, "institution_id": None, "region_code": enterprise.region_code},
        actor=actor,
    )


def add_candidates(sitting: Sitting, person_ids: list[int]) -> int:
    return sittings.add_candidates(sitting, person_ids)


def remove_candidate(sitting: Sitting, person_id: int) -> None:
    sittings.remove_candidate(sitting, person_id)


def find_attempt(sitting: Sitting, person_id: int) -> Attempt | None:
    return starting.find_attempt(sitting, person_id)


def start_or_resume(sitting: Sitting, person_id: int, *, ip: str, user_agent: str, now: datetime) -> Attempt:
    return starting.start_or_resume(sitting, person_id, ip=ip, user_agent=user_agent, now=now)


def save_answer(attempt: Attempt, position: int, response, *, seq: int, now: datetime, flagged: bool = False):
    return autosave.save_answer(attempt, position, response, seq, now, flagged=flagged)


def submit(attempt: Attempt, *, now: datetime) -> Attempt:
    """交卷 exactly once; the attempt comes back graded."""
    return grading.submit(attempt, now)


def finish(attempt: Attempt, *, now: datetime) -> Attempt:
    """Grade an attempt as it stands (the inspection closed or its deadline passed)."""
    if attempt.state is not AttemptState.GRADED:
        grading.submit(attempt, now)
    return attempt


def record_focus_loss(attempt: Attempt, *, now: datetime) -> int:
    return supervision.record_focus_loss(attempt, now)


def answered_count(attempt: Attempt) -> int:
    """How many questions of an attempt have a saved answer (the inspector's live progress)."""
    return len(autosave.saved_answers(attempt))
