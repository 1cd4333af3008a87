"""The 排名公告: institutions held out of publication while under review, and a region's ranking for a month
frozen and published (names and figures of institutions only, no person)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.core.clock import local_today
from app.core.db import conditional_update, utcnow
from app.core.errors import DomainError
from app.dashboards.models import InstitutionScore, Ranking, RankingEntry, RankingHold, RecordEvent
from app.dashboards.ranking import compute
from app.extensions import db
from app.tenancy.models import Jurisdiction, TrainingInstitution


def open_hold(institution_id: int) -> RankingHold | None:
    return db.session.scalars(
        sa.select(RankingHold).where(RankingHold.institution_id == institution_id, RankingHold.lifted_at.is_(None))
    ).first()


def _record(institution_id: int, kind: str, detail: dict, actor) -> None:
    db.session.add(
        RecordEvent(institution_id=institution_id, kind=kind, detail=detail, actor_id=actor.id if actor else None)
    )


def hold(institution: TrainingInstitution, reason: str, *, actor) -> RankingHold:
    """Withhold an institution from publication while it is under review.

    :raises DomainError: ``ranking.already_held``; ``ranking.reason_required``.
    """
    if not reason.strip():
        raise DomainError("ranking.reason_required")
    if open_hold(institution.id) is not None:
        raise DomainError("ranking.already_held")
    item = RankingHold(
        institution_id=institution.id, reason=reason.strip()[:300], held_by_id=actor.id, held_at=utcnow()
    )
    db.session.add(item)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise DomainError("ranking.already_held") from None
    _record(institution.id, "ranking.held", {"reason": item.reason}, actor)
    db.session.flush()
    return item


def lift(institution: TrainingInstitution, *, actor) -> None:
    """End the hold (one conditional ``UPDATE``: a second lift finds nothing to lift).

    :raises DomainError: ``ranking.not_held``.
    """
    moved = db.session.execute(
        conditional_update(RankingHold)
        .where(RankingHold.institution_id == institution.id, RankingHold.lifted_at.is_(None))
        .values(lifted_at=utcnow(), lifted_by_id=actor.id)
    )
    if moved.rowcount != 1:
        raise DomainError("ranking.not_held")
    _record(institution.id, "ranking.released", {}, actor)
    db.session.flush()


def rank_entries(
    scores: list[tuple[TrainingInstitution, InstitutionScore]],
) -> list[tuple[TrainingInstitution, InstitutionScore, int | None]]:
    """Eligible institutions by score (ties share a rank: 1, 2, 2, 4), then the others, unranked."""
    eligible = sorted((s for s in scores if s[1].eligible), key=lambda s: (-s[1].score, s[0].name))
    out, rank, previous = [], 0, None
    for index, (inst, score) in enumerate(eligible, start=1):
        if score.score != previous:
            rank, previous = index, score.score
        out.append((inst, score, rank))
    out += [
        (inst, score, None) for inst, score in sorted((s for s in scores if not s[1].eligible), key=lambda s: s[0].name)
    ]
    return out


def publish(jurisdiction: Jurisdiction, month: date, *, actor, today: date | None = None) -> Ranking:
    """Freeze the ranking of ``jurisdiction``'s institutions for ``month`` (scores recomputed first), leaving out
    those under review. Public at ``/rankings``.

    :raises DomainError: ``ranking.already_published``; ``ranking.month_ahead``.
    """
    month = month.replace(day=1)
    today = today or local_today()
    if month > today.replace(day=1):
        raise DomainError("ranking.month_ahead")
    exists = db.session.scalar(
        sa.select(Ranking.id).where(Ranking.region_code == jurisdiction.code, Ranking.month == month)
    )
    if exists is not None:
        raise DomainError("ranking.already_published")
    compute(month, today)
    prefix = jurisdiction.scope_prefix
    rows = db.session.execute(
        sa.select(TrainingInstitution, InstitutionScore)
        .join(InstitutionScore, InstitutionScore.institution_id == TrainingInstitution.id)
        .where(TrainingInstitution.region_code.startswith(prefix), InstitutionScore.month == month)
    ).all()
    held = set(db.session.scalars(sa.select(RankingHold.institution_id).where(RankingHold.lifted_at.is_(None))))
    ranking = Ranking(
        region_code=jurisdiction.code,
        region_name=jurisdiction.name,
        authority=jurisdiction.authority,
        month=month,
        published_by_id=actor.id,
        published_at=utcnow(),
        withheld=sum(1 for inst, _score in rows if inst.id in held),
    )
    db.session.add(ranking)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise DomainError("ranking.already_published") from None
    for inst, score, rank in rank_entries([(i, s) for i, s in rows if i.id not in held]):
        c = score.components
        db.session.add(
            RankingEntry(
                ranking_id=ranking.id,
                institution_id=inst.id,
                institution_name=inst.name,
                rank=rank,
                score=score.score,
                components={
                    "first_attempts": c["first_attempts"],
                    "rate": c["rate"],
                    "spot_failures": c["counts"]["spot_failures"],
                    "complaints": c["counts"]["complaints"],
                    "impostors": c["counts"]["impostors"],
                    "overrides": c["counts"]["overrides"],
                },
            )
        )
        _record(
            inst.id,
            "ranking.published",
            {"ranking": ranking.id, "month": month.isoformat(), "rank": rank, "score": score.score},
            actor,
        )
    db.session.flush()
    return ranking


def published_query() -> sa.Select:
    return sa.select(Ranking).order_by(Ranking.month.desc(), Ranking.region_code)
