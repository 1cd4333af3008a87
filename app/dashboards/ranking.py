"""Training institutions' 动态积分 and the monthly 排名公告.

A month's score counts the ``ranking.window_months`` (12) months ending with it (to today while the month runs):

- **首次考试通过率** of its trainees at the authority's exams — first attempts at 资格/复审考试 (theory) and first
  实操 attempts — by people enrolled in one of its classes that ended before the attempt and no earlier than the
  same month a year before (a "trainee" of the attempt);
- **逢查必考不合格** of its trainees (graded tickets failed, the inspection after the class, within the same span);
- **投诉举报属实**: complaints about it recorded by regulators with the verdict 属实, received in the window;
- **非本人**: 人像抓拍 in its classes and its own exams that a 复核 found 非本人, reviewed in the window;
- **学时不足放行**: its trainees admitted to an exam short of 学时 by a logged override (``exam.gate_overridden``).

    score = max(0, ranking.base_points + ranking.pass_rate_points × pass rate
                   − ranking.deduct.spotcheck_failure × failures − ranking.deduct.complaint × complaints
                   − ranking.deduct.impostor × 非本人 − ranking.deduct.gate_override × overrides)

with the weights of the institution's region on the month's last day (rule rows, editable, with dates). An
institution with fewer than ``ranking.min_first_attempts`` first attempts is scored but not ranked (listed apart).
Each month keeps its row (:class:`~app.dashboards.models.InstitutionScore`): history. Publishing freezes a region's
ranking for a month (:class:`~app.dashboards.models.Ranking`); institutions under review (an open
:class:`~app.dashboards.models.RankingHold`) are left out and counted. A published ranking names institutions and
their figures only — no person.

Every component is one ``GROUP BY`` over all institutions (``app.dashboards.ranking_components``): the whole
ranking is a handful of queries. Holds and publishing are ``app.dashboards.ranking_publication``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.core.db import utcnow
from app.dashboards.models import InstitutionScore
from app.dashboards.ranking_components import COMPONENTS, components, ranking_ctx
from app.extensions import db
from app.rules.book import RuleBook
from app.rules.queries import cached_book
from app.tenancy.models import TrainingInstitution

WEIGHTS = (
    "ranking.base_points",
    "ranking.pass_rate_points",
    "ranking.deduct.spotcheck_failure",
    "ranking.deduct.complaint",
    "ranking.deduct.impostor",
    "ranking.deduct.gate_override",
    "ranking.min_first_attempts",
)


@dataclass(frozen=True)
class Score:
    score: float
    eligible: bool
    breakdown: dict


def score_of(counts: dict[str, int], weights: dict[str, float]) -> Score:
    """The formula (see the module's docstring), with every step kept for the breakdown."""
    first = counts["theory"] + counts["practical"]
    passed = counts["theory_passed"] + counts["practical_passed"]
    rate = passed / first if first else None
    points = {
        "base": weights["ranking.base_points"],
        "pass_rate": round((rate or 0) * weights["ranking.pass_rate_points"], 2),
        "spot_failures": -counts["spot_failures"] * weights["ranking.deduct.spotcheck_failure"],
        "complaints": -counts["complaints"] * weights["ranking.deduct.complaint"],
        "impostors": -counts["impostors"] * weights["ranking.deduct.impostor"],
        "overrides": -counts["overrides"] * weights["ranking.deduct.gate_override"],
    }
    total = round(max(0.0, sum(points.values())), 1)
    breakdown = {
        "counts": counts,
        "first_attempts": first,
        "first_passed": passed,
        "rate": None if rate is None else round(rate, 4),
        "points": points,
        "weights": weights,
    }
    return Score(total, first >= weights["ranking.min_first_attempts"], breakdown)


def weights_for(book: RuleBook, region_code: str, on: date) -> dict[str, float]:
    return {key: book.value(key, region_code=region_code, on=on) for key in WEIGHTS}


def compute(month: date, today: date | None = None, institution_ids: list[int] | None = None) -> int:
    """Every institution's score for ``month`` (or only ``institution_ids``'s: one institution's page counts its own
    now, the nightly job all of them); their rows replaced, other months untouched. Flushes; returns rows."""
    month = month.replace(day=1)
    book = cached_book()
    ctx = ranking_ctx(month, today, book)
    counted = components(ctx, institution_ids)
    query = sa.select(TrainingInstitution.id, TrainingInstitution.region_code)
    delete = sa.delete(InstitutionScore).where(InstitutionScore.month == month)
    if institution_ids is not None:
        query = query.where(TrainingInstitution.id.in_(institution_ids))
        delete = delete.where(InstitutionScore.institution_id.in_(institution_ids))
    institutions = db.session.execute(query).all()
    db.session.execute(delete)
    now, rows = utcnow(), []
    for institution_id, region_code in institutions:
        counts = counted.get(institution_id, dict.fromkeys(COMPONENTS, 0))
        result = score_of(counts, weights_for(book, region_code, ctx.today))
        breakdown = {**result.breakdown, "window": [ctx.months[0].isoformat(), ctx.today.isoformat()]}
        rows.append(
            {
                "institution_id": institution_id,
                "month": month,
                "score": result.score,
                "eligible": result.eligible,
                "components": breakdown,
                "computed_at": now,
            }
        )
    if rows:
        db.session.execute(sa.insert(InstitutionScore), rows)
    db.session.flush()
    return len(rows)


def scores_of(institution_id: int, limit: int = 24) -> list[InstitutionScore]:
    return list(
        db.session.scalars(
            sa.select(InstitutionScore)
            .where(InstitutionScore.institution_id == institution_id)
            .order_by(InstitutionScore.month.desc())
            .limit(limit)
        )
    )
