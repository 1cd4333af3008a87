"""What a training institution's 动态积分 counts: each component's rows for every institution over a month's
window (``ranking_ctx``), and their counts (:func:`components`). ``app.dashboards.ranking`` scores them.

A component counts an event of a person for every institution whose class made the person its trainee: enrolled in
one of its classes that ended before the event and no earlier than the same month a window before. Every component
is one ``GROUP BY`` over all institutions.
"""

from __future__ import annotations

import calendar
from datetime import date

import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.core.clock import local_today
from app.dashboards import snapshots
from app.dashboards.exam_metrics import AUTHORITY_KINDS, first_practical_attempts, first_theory_attempts
from app.dashboards.models import Complaint, Verdict
from app.dashboards.window import Ctx, add_months, local_midnight_utc
from app.extensions import db
from app.people.models import ReviewVerdict, Snapshot
from app.rules.book import RuleBook
from app.rules.queries import cached_book
from app.spotchecks.models import Inspection, SpotCheckTicket, TicketState
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
    shots = snapshots.with_organisers(
        Snapshot.review_verdict == ReviewVerdict.NOT_SAME_PERSON, ctx.within(Snapshot.reviewed_at, timestamp=True)
    ).subquery()
    return sa.select(
        shots.c.institution_id,
        shots.c.snapshot_id.label("ref_id"),
        shots.c.person_id,
        sa.literal(1).label("hit"),
    ).where(shots.c.institution_id.is_not(None))


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
