"""Exams the demo's records rest on, written as rows (no paper, no answers): a closed sitting of 1.2 低压电工作业 and a
candidate's graded, passed attempt, for the certificates, the 实操 and the class exams of the demo to stand on."""

from __future__ import annotations

from datetime import datetime

from app.exams.models import Attempt, AttemptState, ExamKind, Sitting
from app.exams.sittings import subject_of
from app.extensions import db
from app.people.models import Post


def closed_sitting(kind: ExamKind, title: str, opens_at: datetime, closes_at: datetime, **fields) -> Sitting:
    """A sitting of 1.2 低压电工作业 for 特种作业人员, by the 南京市 authority unless ``fields`` say otherwise."""
    values = {
        "subject": subject_of(kind, Post.SPECIAL_OPERATOR.value, "1.2"),
        "post": Post.SPECIAL_OPERATOR.value,
        "operation_code": "1.2",
        "spec": {"pass_mark": 80, "sections": []},
        "duration_minutes": 120,
        "region_code": "320100",
        **fields,
    }
    sitting = Sitting(title=title, kind=kind, opens_at=opens_at, closes_at=closes_at, **values)
    db.session.add(sitting)
    db.session.flush()
    return sitting


def passed_attempt(sitting: Sitting, person_id: int, score: float, *, seed: int, **times) -> Attempt:
    """``person_id``'s graded attempt of ``sitting`` with ``score`` of 100, passed; started when the sitting opened
    and graded when it closed unless ``times`` (``started_at``, ``deadline``, ``submitted_at``, ``graded_at``) say
    otherwise."""
    attempt = Attempt(
        sitting_id=sitting.id,
        person_id=person_id,
        state=AttemptState.GRADED,
        paper={},
        seed=seed,
        **{"started_at": sitting.opens_at, "deadline": sitting.closes_at, "graded_at": sitting.closes_at, **times},
        score=score,
        max_score=100.0,
        passed=True,
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt
