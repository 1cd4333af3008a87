"""The examiners' signed score sheets and grading exactly once.

A candidate's score is the mean of the examiners' totals, rounded half up to one decimal (:func:`mean_score`); they
pass with a score ≥ the pass mark and no 否决项 recorded as failed by any examiner. A signature inserts the examiner's
row (``INSERT … ON CONFLICT DO NOTHING`` on (attempt, examiner)), then moves the attempt's ``signatures`` counter by one
conditional ``UPDATE … WHERE graded_at IS NULL RETURNING signatures``; the signer who brings the count to the required
number grades, by one conditional ``UPDATE … WHERE graded_at IS NULL … RETURNING`` — exactly once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from app.archive.services import record_event
from app.auth.models import User
from app.auth.policy import exams as exam_policy
from app.core.db import conditional_update, insert_on_conflict, utcnow
from app.core.errors import DomainError
from app.exams.practical.models import PracticalAttempt, PracticalSignature
from app.exams.practical.validity import local_day
from app.exams.practical_sheets import points
from app.extensions import db


@dataclass(frozen=True)
class Marks:
    """One examiner's checked entries: points per item code, the 否决项 recorded as failed, the total."""

    scores: dict[str, float]
    vetoes: list[str]
    total: float


def read_marks(items: list[dict], scores: Mapping[str, object], vetoes: Iterable[str] = ()) -> Marks:
    """Check an examiner's entries against the sitting's items: every item given, 0 … its points, in half points.

    :param scores: item code → points as typed (text or number).
    :param vetoes: codes of 否决项 the examiner recorded as failed (codes of other items are ignored).
    :raises DomainError: ``practical.item_missing``, ``practical.item_invalid``, ``practical.item_range`` (400).
    """
    checked: dict[str, float] = {}
    total = Decimal(0)
    for item in items:
        label = f"{item['code']} {item['name']}"
        raw = scores.get(item["code"])
        if raw is None or str(raw).strip() == "":
            raise DomainError("practical.item_missing", http_status=400, item=label)
        value = points(raw)
        if value is None:
            raise DomainError("practical.item_invalid", http_status=400, item=label)
        if not 0 <= value <= Decimal(str(item["max"])):
            raise DomainError("practical.item_range", http_status=400, item=label, max=f"{item['max']:g}")
        checked[item["code"]] = float(value)
        total += value
    critical = [item["code"] for item in items if item["critical"]]
    chosen = set(vetoes)
    return Marks(checked, [code for code in critical if code in chosen], float(total))


def mean_score(totals: Iterable[float]) -> float:
    """The examiners' mean total, rounded half up to one decimal (80.25 → 80.3; Python's ``round`` would give
    80.2): the score printed is the score compared with the pass mark."""
    values = [Decimal(str(t)) for t in totals]
    mean = sum(values) / len(values)
    return float(mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def signatures_of(attempt: PracticalAttempt) -> list[PracticalSignature]:
    return list(
        db.session.scalars(
            sa.select(PracticalSignature)
            .where(PracticalSignature.attempt_id == attempt.id)
            .order_by(PracticalSignature.signed_at, PracticalSignature.id)
        )
    )


def has_signed(attempt: PracticalAttempt, user_id: int) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PracticalSignature)
            .where(PracticalSignature.attempt_id == attempt.id, PracticalSignature.examiner_id == user_id)
        )
    )


def sign(
    attempt: PracticalAttempt,
    examiner: User,
    scores: Mapping[str, object],
    vetoes: Iterable[str] = (),
    *,
    ip: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> PracticalAttempt:
    """An examiner enters a candidate's points for every item and signs with their own login (this submission is the
    signature: user, time, IP). When the required number of examiners have signed, the attempt is graded, once.

    :return: the attempt (graded when this signature completed it).
    :raises DomainError: ``practical.graded`` (already graded: a stale page), ``practical.not_examiner`` (403),
        ``practical.too_few_examiners`` (the sitting has fewer examiners than it needs), ``practical.not_yet``
        (before the exam day), ``practical.already_signed``, or the entry's refusal (:func:`read_marks`).
    """
    now = now or utcnow()
    sitting = attempt.sitting
    if attempt.graded_at is not None:
        raise DomainError("practical.graded")
    if not exam_policy.may_score_practical(examiner, sitting):
        raise DomainError("practical.not_examiner", http_status=403)
    if len(sitting.examiner_ids) < sitting.examiners_required:
        raise DomainError("practical.too_few_examiners", n=sitting.examiners_required)
    if local_day(now) < sitting.exam_on:
        raise DomainError("practical.not_yet", date=sitting.exam_on)
    if has_signed(attempt, examiner.id):
        raise DomainError("practical.already_signed")
    marks = read_marks(sitting.items, scores, vetoes)
    stored = db.session.execute(
        insert_on_conflict(db.session, PracticalSignature)
        .values(
            attempt_id=attempt.id,
            examiner_id=examiner.id,
            scores=marks.scores,
            vetoes=marks.vetoes,
            total=marks.total,
            signed_at=now,
            ip=(ip or "")[:45],
            user_agent=(user_agent or "")[:300],
        )
        .on_conflict_do_nothing(index_elements=["attempt_id", "examiner_id"])
        .returning(PracticalSignature.id)
    ).first()
    if stored is None:  # the same examiner's other request signed first
        raise DomainError("practical.already_signed")
    count = db.session.execute(
        conditional_update(PracticalAttempt)
        .where(PracticalAttempt.id == attempt.id, PracticalAttempt.graded_at.is_(None))
        .values(signatures=PracticalAttempt.signatures + 1)
        .returning(PracticalAttempt.signatures)
    ).scalar()
    if count is None:  # graded meanwhile by the other examiners' signatures
        raise DomainError("practical.graded")
    if count >= sitting.examiners_required:
        _grade(attempt, now)
    db.session.refresh(attempt)
    return attempt


def _grade(attempt: PracticalAttempt, now: datetime) -> bool:
    """Grade from the signatures, once: True for the one caller whose conditional UPDATE won."""
    sitting = attempt.sitting
    signed = signatures_of(attempt)
    score = mean_score(s.total for s in signed)
    vetoed = sorted({code for s in signed for code in s.vetoes})
    passed = not vetoed and score >= sitting.pass_mark
    won = db.session.execute(
        conditional_update(PracticalAttempt)
        .where(
            PracticalAttempt.id == attempt.id,
            PracticalAttempt.graded_at.is_(None),
            PracticalAttempt.signatures >= sitting.examiners_required,
        )
        .values(graded_at=now, score=score, max_score=sitting.max_score, passed=passed, vetoed=bool(vetoed))
        .returning(PracticalAttempt.id)
    ).first()
    if won is None:
        return False
    record_event(
        attempt.person_id,
        "exam.practical_graded",
        {
            "practical_sitting": sitting.id,
            "attempt": attempt.id,
            "title": sitting.title,
            "operation": sitting.operation_code,
            "site": sitting.site_name,
            "exam_on": sitting.exam_on.isoformat(),
            "attempt_no": attempt.attempt_no,
            "items": [
                {
                    "code": item["code"],
                    "name": item["name"],
                    "max": item["max"],
                    "critical": item["critical"],
                    "scores": [s.scores.get(item["code"]) for s in signed],
                }
                for item in sitting.items
            ],
            "examiners": [
                {"name": s.examiner.label, "total": s.total, "signed_at": s.signed_at.isoformat(timespec="seconds")}
                for s in signed
            ],
            "vetoed": vetoed,
            "score": score,
            "max_score": sitting.max_score,
            "pass_mark": sitting.pass_mark,
            "passed": passed,
        },
        at=now,
    )
    return True
