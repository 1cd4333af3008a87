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

Every component is one ``GROUP BY`` over all institutions: the whole ranking is a handful of queries.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.core.clock import local_today
from app.core.db import conditional_update, utcnow
from app.core.errors import DomainError
from app.dashboards.exam_metrics import AUTHORITY_KINDS, first_practical_attempts, first_theory_attempts
from app.dashboards.models import (
    Complaint,
    InstitutionScore,
    Ranking,
    RankingEntry,
    RankingHold,
    RecordEvent,
    Verdict,
)
from app.dashboards.window import Ctx, add_months, local_midnight_utc
from app.exams.models import Attempt, Sitting
from app.extensions import db
from app.people.models import ReviewVerdict, Snapshot, SnapshotContext
from app.rules.book import RuleBook
from app.rules.queries import cached_book
from app.spotchecks.models import Inspection, SpotCheckTicket, TicketState
from app.tenancy.models import Jurisdiction, TrainingInstitution
from app.training.models import Enrolment, TrainingClass

#: The components counted per institution, in the order the breakdown shows them.
COMPONENTS = (
    "theory",
    "theory_passed",
    "practical",
    "practical_passed",
    "spot_failures",
    "complaints",
    "impostors",
    "overrides",
)
WEIGHTS = (
    "ranking.base_points",
    "ranking.pass_rate_points",
    "ranking.deduct.spotcheck_failure",
    "ranking.deduct.complaint",
    "ranking.deduct.impostor",
    "ranking.deduct.gate_override",
    "ranking.min_first_attempts",
)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def ranking_ctx(month: date, today: date | None = None, book: RuleBook | None = None) -> Ctx:
    """The window of a month's score: the ``ranking.window_months`` months ending with it, up to its last day (or
    today, while it runs)."""
    book = book or cached_book()
    as_of = min(month_end(month), today or local_today())
    return Ctx.on(as_of, book, window=book.int("ranking.window_months", on=as_of))


def _lower_bound(ctx: Ctx, column, *, timestamp: bool) -> sa.ColumnElement:
    """The earliest class end that makes an event at ``column`` its trainee's: the first day of the event's month, a
    window earlier."""
    ends = [*ctx.months[1:], add_months(ctx.month, 1)]
    months = len(ctx.months)
    return sa.case(
        *[
            (column < (local_midnight_utc(end) if timestamp else end), sa.literal(add_months(m, -months), sa.Date))
            for m, end in zip(ctx.months, ends)
        ],
        else_=sa.null(),
    )


def _by_trainees(source: sa.Select, lower: sa.ColumnElement) -> sa.Select:
    """(institution, event, person, hit) once per institution whose class made the event's person its trainee:
    enrolled in a class of it that ended before the event (``at``) and no earlier than ``lower``."""
    src = source.add_columns(lower.label("lower")).subquery()
    return (
        sa.select(
            TrainingClass.institution_id.label("institution_id"),
            src.c.ref_id,
            src.c.person_id,
            src.c.hit,
        )
        .select_from(src)
        .join(Enrolment, Enrolment.person_id == src.c.person_id)
        .join(TrainingClass, TrainingClass.id == Enrolment.class_id)
        .where(
            TrainingClass.institution_id.is_not(None),
            TrainingClass.ends_on <= src.c.at,
            TrainingClass.ends_on >= src.c.lower,
        )
        .distinct()
    )


def _spot_failures(ctx: Ctx) -> sa.Select:
    return (
        sa.select(
            SpotCheckTicket.id.label("ref_id"),
            SpotCheckTicket.person_id.label("person_id"),
            sa.literal(1).label("hit"),
            Inspection.inspected_on.label("at"),
        )
        .join(Inspection, Inspection.id == SpotCheckTicket.inspection_id)
        .where(
            SpotCheckTicket.status == TicketState.DONE,
            SpotCheckTicket.passed.is_(False),
            ctx.within(Inspection.inspected_on, timestamp=False),
        )
    )


def _overrides(ctx: Ctx) -> sa.Select:
    return sa.select(
        ArchiveEvent.id.label("ref_id"),
        ArchiveEvent.person_id.label("person_id"),
        sa.literal(1).label("hit"),
        ArchiveEvent.at.label("at"),
    ).where(ArchiveEvent.kind == "exam.gate_overridden", ctx.within(ArchiveEvent.at, timestamp=True))


def _impostors(ctx: Ctx) -> sa.Select:
    """Snapshots found 非本人 by a 复核 in the window, in the institution's classes or its own exams."""
    verdict = (
        Snapshot.review_verdict == ReviewVerdict.NOT_SAME_PERSON,
        ctx.within(Snapshot.reviewed_at, timestamp=True),
    )
    lesson = (
        sa.select(
            TrainingClass.institution_id.label("institution_id"),
            Snapshot.id.label("ref_id"),
            Snapshot.person_id.label("person_id"),
            sa.literal(1).label("hit"),
        )
        .join(TrainingClass, TrainingClass.id == Snapshot.ref_id)
        .where(Snapshot.context == SnapshotContext.LESSON, TrainingClass.institution_id.is_not(None), *verdict)
    )
    exam = (
        sa.select(
            Sitting.institution_id.label("institution_id"),
            Snapshot.id.label("ref_id"),
            Snapshot.person_id.label("person_id"),
            sa.literal(1).label("hit"),
        )
        .join(Attempt, Attempt.id == Snapshot.ref_id)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(Snapshot.context == SnapshotContext.EXAM, Sitting.institution_id.is_not(None), *verdict)
    )
    return sa.union_all(lesson, exam)


def _complaints(ctx: Ctx) -> sa.Select:
    return sa.select(
        Complaint.institution_id.label("institution_id"),
        Complaint.id.label("ref_id"),
        sa.null().label("person_id"),
        sa.literal(1).label("hit"),
    ).where(
        Complaint.institution_id.is_not(None),
        Complaint.verdict == Verdict.SUBSTANTIATED,
        ctx.within(Complaint.received_on, timestamp=False),
    )


def component_rows(ctx: Ctx, key: str) -> sa.Select:
    """The rows one component counts, for every institution: ``institution_id``, ``ref_id`` (the attempt, ticket,
    event, complaint or snapshot), ``person_id``, ``hit`` (passed, for the first attempts). The score counts them
    (:func:`components`), the institution's lists list them."""
    match key:
        case "theory":
            src = first_theory_attempts(ctx, AUTHORITY_KINDS).subquery()
            source = sa.select(src.c.ref_id, src.c.person_id, src.c.hit, src.c.at)
            return _by_trainees(source, _lower_bound(ctx, src.c.at, timestamp=True))
        case "practical":
            src = first_practical_attempts(ctx).subquery()
            source = sa.select(src.c.ref_id, src.c.person_id, src.c.hit, src.c.at)
            return _by_trainees(source, _lower_bound(ctx, src.c.at, timestamp=False))
        case "spot_failures":
            return _by_trainees(_spot_failures(ctx), _lower_bound(ctx, Inspection.inspected_on, timestamp=False))
        case "overrides":
            return _by_trainees(_overrides(ctx), _lower_bound(ctx, ArchiveEvent.at, timestamp=True))
        case "complaints":
            return _complaints(ctx)
        case "impostors":
            return _impostors(ctx)
    raise KeyError(key)


#: Component rows → the counts of the breakdown: key → (count key, hits key or None).
COUNTED = {
    "theory": ("theory", "theory_passed"),
    "practical": ("practical", "practical_passed"),
    "spot_failures": ("spot_failures", None),
    "complaints": ("complaints", None),
    "impostors": ("impostors", None),
    "overrides": ("overrides", None),
}


def components(ctx: Ctx, institution_ids=None) -> dict[int, dict[str, int]]:
    """Every component of every institution (or of ``institution_ids``) over ``ctx``'s window: one ``GROUP BY``
    per component."""
    out: dict[int, dict[str, int]] = {}
    for key, (count_key, hit_key) in COUNTED.items():
        rows = component_rows(ctx, key).subquery()
        query = sa.select(rows.c.institution_id, sa.func.count(), sa.func.sum(rows.c.hit)).group_by(
            rows.c.institution_id
        )
        if institution_ids is not None:
            query = query.where(rows.c.institution_id.in_(list(institution_ids)))
        for institution_id, count, hits in db.session.execute(query):
            row = out.setdefault(institution_id, dict.fromkeys(COMPONENTS, 0))
            row[count_key] += int(count or 0)
            if hit_key:
                row[hit_key] += int(hits or 0)
    return out


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


# ---------------------------------------------------------------- holds and publishing


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
