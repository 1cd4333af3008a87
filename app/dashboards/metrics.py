"""Every figure of the dashboards, defined once, as rows.

A metric is a query of rows — a person in a post that needs a certificate, a first exam attempt, a graded
逢查必考 ticket, a certificate due — each with its enterprise, a ``dim`` (what its tile breaks it down by), a
``month`` (event metrics) and a ``hit`` (1 when it counts in the numerator). The same rows are

- summed per enterprise × dim × month into the rollups (:mod:`app.dashboards.rollups`), which the region tiles add up;
- summed live for one enterprise's tiles;
- listed, paginated and exported behind each tile (:mod:`app.dashboards.lists`),

so a tile and its list count the same thing by construction, and ``tests/dashboards`` checks that they do.

Rows are counted **at each current employer** of a person (an employment of today; a person with two employers
counts at both), except 逢查必考 (the inspected enterprise), 整改 findings and 退出 recommendations (their enterprise).
Certificate statuses are today's, in SQL (:func:`app.certificates.status_sql.status_expr`: the dates and the rule
in force on each obligation's day), never the stored column (which the nightly job moves). Rules come from one
:class:`~app.rules.book.RuleBook` per computation (``cached_book``: read once, whatever the number of regions).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy import orm as so

from app.archive.models import ArchiveEvent
from app.certificates.models import HOLDS, Certificate, CertKind, CertStatus
from app.certificates.status_sql import next_due_expr, status_expr
from app.core.clock import to_utc, zone_named
from app.dashboards.models import ExitRecommendation, ExitState
from app.exams.models import Attempt, AttemptState, ExamKind, PracticalAttempt, Sitting
from app.extensions import db
from app.people.models import Employment, Post, Snapshot
from app.rules.book import RuleBook
from app.rules.queries import cached_book, rule_case
from app.spotchecks.models import Finding, FindingState, Inspection, SpotCheckTicket, TicketState
from app.tenancy.models import HIGH_RISK_INDUSTRIES, Enterprise
from app.training import hours
from app.training.models import TrainingType

MANAGER_POSTS = (Post.PRINCIPAL, Post.SAFETY_MANAGER)
#: Exams whose first attempts the dashboards count (逢查必考 has its own tile; a 补考 is never a first attempt).
THEORY_KINDS = (ExamKind.QUALIFICATION, ExamKind.REVIEW, ExamKind.TRAINING, ExamKind.CLASS)
#: The authority's theory exams (the 动态积分 of institutions counts these and the practical exam).
AUTHORITY_KINDS = (ExamKind.QUALIFICATION, ExamKind.REVIEW)
LAPSED = (CertStatus.OUT_OF_DATE, CertStatus.EXPIRED, CertStatus.REVIEW_OVERDUE)
#: How far back a lapse still counts as "lapsed" on the dashboard (older ones are history).
LAPSED_DAYS = 365
WINDOW_MONTHS = 12


# ---------------------------------------------------------------- the day and months a computation counts for


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def local_midnight_utc(day: date) -> datetime:
    """Where ``day`` begins in the platform's zone, as stored (naive UTC): month and day limits of timestamps."""
    return to_utc(datetime.combine(day, time()), zone_named(""))


@dataclass(frozen=True)
class Ctx:
    """A computation's day and rules: state metrics are counted on ``today``; event metrics over ``months`` (the
    ``WINDOW_MONTHS`` months ending with today's, oldest first), up to and including today."""

    today: date
    book: RuleBook
    months: tuple[date, ...]

    @classmethod
    def on(cls, today: date, book: RuleBook | None = None, window: int = WINDOW_MONTHS) -> Ctx:
        first = add_months(today, -(window - 1))
        return cls(today, book or cached_book(), tuple(add_months(first, i) for i in range(window)))

    @property
    def month(self) -> date:
        return self.months[-1]

    def limits(self, *, timestamp: bool) -> tuple:
        """(first, after): the window's first moment and the moment after today."""
        if timestamp:
            return local_midnight_utc(self.months[0]), local_midnight_utc(self.today + timedelta(days=1))
        return self.months[0], self.today + timedelta(days=1)

    def bucket(self, column, *, timestamp: bool) -> sa.ColumnElement:
        """The month (its first day) each row's ``column`` falls in, as a ``CASE`` over the window's month limits
        computed here: the same SQL on SQLite and PostgreSQL, no date functions."""
        ends = [*self.months[1:], add_months(self.month, 1)]
        whens = [
            (column < (local_midnight_utc(end) if timestamp else end), sa.literal(month, sa.Date))
            for month, end in zip(self.months, ends)
        ]
        return sa.case(*whens, else_=sa.null())

    def within(self, column, *, timestamp: bool) -> sa.ColumnElement:
        first, after = self.limits(timestamp=timestamp)
        return sa.and_(column >= first, column < after)


@dataclass(frozen=True)
class Agg:
    """One rollup cell: an enterprise's ``num`` of ``den`` (rates) or ``num`` (counts) for a dim and month."""

    enterprise_id: int
    dim: str
    month: date
    num: int
    den: int


# ---------------------------------------------------------------- the metrics


def current_staff(enterprises: sa.Select) -> list:
    """Conditions on ``Employment``: employed today by one of ``enterprises`` (a select of ids)."""
    return [Employment.end_date.is_(None), Employment.enterprise_id.in_(enterprises)]


class Metric:
    """One figure's rows. ``kind``: ``rate`` (num of den) or ``count``; ``timing``: ``state`` (counted on the
    day, kept under that day's month) or ``event`` (per month of the event, over the window)."""

    key: str = ""
    kind: str = "count"
    timing: str = "state"
    #: What the rows are (a person in a post, a certificate, …): the list's unit.
    unit: str = ""

    def rows(self, ctx: Ctx, enterprises: sa.Select) -> sa.Select:
        """Labelled columns ``enterprise_id``, ``dim``, ``month`` (event metrics), ``hit``, then the list's keys."""
        raise NotImplementedError

    def aggregate(self, ctx: Ctx, enterprises) -> list[Agg]:
        """The rows summed per enterprise × dim × month. ``enterprises``: a select of ids (a user's scope), or the
        ids themselves — then the statement is built once per process and day (:func:`_statement`) and only run."""
        if isinstance(enterprises, list | tuple | set):
            ids = list(enterprises)
            if not ids:
                return []
            rows = db.session.execute(_statement(self, ctx), {"enterprise_ids": ids})
        else:
            rows = db.session.execute(self.grouped(ctx, enterprises))
        out = []
        for enterprise_id, dim, m, num, count in rows:
            if self.kind == "rate":
                out.append(Agg(enterprise_id, dim or "", m or ctx.month, int(num or 0), int(count)))
            else:
                out.append(Agg(enterprise_id, dim or "", m or ctx.month, int(count), 0))
        return out

    def grouped(self, ctx: Ctx, enterprises) -> sa.Select:
        sub = self.rows(ctx, enterprises).subquery()
        month = sub.c.month if self.timing == "event" else sa.literal(ctx.month, sa.Date)
        return sa.select(
            sub.c.enterprise_id, sub.c.dim, month.label("m"), sa.func.sum(sub.c.hit), sa.func.count()
        ).group_by(sub.c.enterprise_id, sub.c.dim, *([sub.c.month] if self.timing == "event" else []))


#: Built statements by (metric, day, window, rules): building one (the certificate status as a ``CASE`` over every
#: rule version, the month limits) costs more Python than running it for one enterprise; a day's are reused.
_STATEMENTS: dict[tuple, sa.Select] = {}


def _statement(metric: Metric, ctx: Ctx) -> sa.Select:
    key = (metric.key, ctx.today, ctx.months[0], ctx.book.fingerprint)
    statement = _STATEMENTS.get(key)
    if statement is None:
        if len(_STATEMENTS) > 512:
            _STATEMENTS.clear()
        statement = _STATEMENTS[key] = metric.grouped(ctx, sa.bindparam("enterprise_ids", expanding=True))
    return statement


def _hit(condition) -> sa.ColumnElement:
    return sa.case((condition, 1), else_=0)


def _holding_certificate(ctx: Ctx, kind_condition) -> sa.Exists:
    """A certificate of the employment's person, holding today (有效, 待换证, 待复审), matching ``kind_condition``."""
    return sa.exists(
        sa.select(Certificate.id).where(
            Certificate.person_id == Employment.person_id,
            kind_condition,
            status_expr(ctx.book, ctx.today).in_(HOLDS),
        )
    )


def covering() -> sa.ColumnElement:
    """The certificate covers the employment's post: its 操作项目's 特种作业操作证, or the 合格证 of a manager's post."""
    return sa.or_(
        sa.and_(
            Employment.post == Post.SPECIAL_OPERATOR,
            Certificate.kind == CertKind.SPECIAL_OPERATOR,
            Certificate.item == sa.func.coalesce(Employment.operation_code, ""),
        ),
        sa.and_(
            Employment.post.in_(MANAGER_POSTS),
            Certificate.kind == CertKind.MANAGER,
            Certificate.category == Employment.post,
        ),
    )


class Licensed(Metric):
    """持证上岗: every special operator, and every 主要负责人/安管 of a 高危 enterprise, in a current post; hit when a
    certificate covering the post holds today (as ``app.certificates.compliance``)."""

    key, kind, unit = "licensed", "rate", "employment"

    def rows(self, ctx, enterprises):
        needs = sa.or_(
            Employment.post == Post.SPECIAL_OPERATOR,
            sa.and_(Employment.post.in_(MANAGER_POSTS), Enterprise.industry.in_(HIGH_RISK_INDUSTRIES)),
        )
        return (
            sa.select(
                Employment.enterprise_id.label("enterprise_id"),
                Enterprise.industry.label("dim"),
                _hit(_holding_certificate(ctx, covering())).label("hit"),
                Employment.id.label("employment_id"),
                Employment.person_id.label("person_id"),
            )
            .join(Enterprise, Enterprise.id == Employment.enterprise_id)
            .where(*current_staff(enterprises), needs)
        )


class Retraining(Metric):
    """This year's 再培训: every current employment, hit when the person's 学时 credited this year reach the annual
    requirement of the post and the enterprise's industry (the 学时台账's rule: ``app.training.hours``)."""

    key, kind, unit = "retraining", "rate", "employment"

    def lines(self, ctx: Ctx, enterprises: sa.Select) -> list[tuple[Employment, float, float]]:
        """(employment, required, done) of every current employment, by the ledger's rule, in batches."""
        employments = db.session.scalars(
            sa.select(Employment)
            .options(so.joinedload(Employment.enterprise))
            .where(*current_staff(enterprises))
            .order_by(Employment.id)
        ).all()
        year_end, out = date(ctx.today.year, 12, 31), []
        for start in range(0, len(employments), 500):
            batch = employments[start : start + 500]
            done = hours.hours_between({e.person_id for e in batch}, date(ctx.today.year, 1, 1), year_end)
            for e in batch:
                required = hours.required_hours(
                    e.post,
                    e.enterprise.industry,
                    TrainingType.ANNUAL,
                    region_code=e.enterprise.region_code,
                    on=year_end,
                )
                if required is not None:
                    out.append((e, required, done.get(e.person_id, 0.0)))
        return out

    @staticmethod
    def complete(required: float, done: float) -> bool:
        """The ledger's test (``LedgerRow.short`` is 0)."""
        return max(0.0, round(required - done, 2)) == 0

    def aggregate(self, ctx, enterprises):
        cells: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for employment, required, done in self.lines(ctx, enterprises):
            cell = cells[employment.enterprise_id]
            cell[0] += 1 if self.complete(required, done) else 0
            cell[1] += 1
        return [Agg(e, "", ctx.month, num, den) for e, (num, den) in cells.items()]


def _first_attempt() -> sa.ColumnElement:
    """No graded attempt of the same person and subject before this one (a 补考 carries its original's subject)."""
    earlier, sitting = so.aliased(Attempt), so.aliased(Sitting)
    return ~sa.exists(
        sa.select(earlier.id)
        .join(sitting, sitting.id == earlier.sitting_id)
        .where(
            earlier.person_id == Attempt.person_id,
            sitting.subject == Sitting.subject,
            earlier.state == AttemptState.GRADED,
            sa.or_(
                earlier.graded_at < Attempt.graded_at,
                sa.and_(earlier.graded_at == Attempt.graded_at, earlier.id < Attempt.id),
            ),
        )
    )


def first_theory_attempts(ctx: Ctx, kinds=THEORY_KINDS) -> sa.Select:
    """Graded first attempts of theory exams in the window: (attempt id, person, subject, month, passed)."""
    return (
        sa.select(
            Attempt.id.label("ref_id"),
            Attempt.person_id.label("person_id"),
            Sitting.subject.label("dim"),
            ctx.bucket(Attempt.graded_at, timestamp=True).label("month"),
            _hit(Attempt.passed.is_(True)).label("hit"),
            Attempt.graded_at.label("at"),
        )
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(
            Sitting.kind.in_(kinds),
            Attempt.state == AttemptState.GRADED,
            ctx.within(Attempt.graded_at, timestamp=True),
            _first_attempt(),
        )
    )


def first_practical_attempts(ctx: Ctx) -> sa.Select:
    """Graded first practical attempts (``attempt_no`` 1 on a theory pass) in the window."""
    return sa.select(
        PracticalAttempt.id.label("ref_id"),
        PracticalAttempt.person_id.label("person_id"),
        PracticalAttempt.operation_code.label("dim"),
        ctx.bucket(PracticalAttempt.exam_on, timestamp=False).label("month"),
        _hit(PracticalAttempt.passed.is_(True)).label("hit"),
        PracticalAttempt.exam_on.label("at"),
    ).where(
        PracticalAttempt.graded_at.is_not(None),
        PracticalAttempt.attempt_no == 1,
        ctx.within(PracticalAttempt.exam_on, timestamp=False),
    )


class _ByEmployer(Metric):
    """Rows of a person-level select (``person_id`` …), counted at each current employer in scope."""

    timing = "event"

    def source(self, ctx: Ctx) -> sa.Select:
        raise NotImplementedError

    def rows(self, ctx, enterprises):
        src = self.source(ctx).subquery()
        return (
            sa.select(
                Employment.enterprise_id.label("enterprise_id"),
                src.c.dim,
                src.c.month,
                src.c.hit,
                src.c.ref_id,
                src.c.person_id,
                src.c.at,
            )
            .join(src, src.c.person_id == Employment.person_id)
            .where(*current_staff(enterprises))
        )


class TheoryFirst(_ByEmployer):
    """First attempts at theory exams (资格, 复审, 培训 and 班次考试), by subject (kind, post, 操作项目); hit: passed."""

    key, kind, unit = "theory_first", "rate", "attempt"

    def source(self, ctx):
        return first_theory_attempts(ctx)


class PracticalFirst(_ByEmployer):
    """First 实操 attempts by 操作项目; hit: passed."""

    key, kind, unit = "practical_first", "rate", "practical_attempt"

    def source(self, ctx):
        return first_practical_attempts(ctx)


class SpotChecks(Metric):
    """逢查必考: graded tickets (answered or absent) of inspections of the enterprise, by month; hit: passed (as
    ``app.spotchecks.queries.pass_rates``)."""

    key, kind, timing, unit = "spotcheck", "rate", "event", "ticket"

    def rows(self, ctx, enterprises):
        return (
            sa.select(
                Inspection.enterprise_id.label("enterprise_id"),
                sa.literal("").label("dim"),
                ctx.bucket(Inspection.inspected_on, timestamp=False).label("month"),
                _hit(SpotCheckTicket.passed.is_(True)).label("hit"),
                SpotCheckTicket.id.label("ticket_id"),
            )
            .join(Inspection, Inspection.id == SpotCheckTicket.inspection_id)
            .where(
                Inspection.enterprise_id.in_(enterprises),
                SpotCheckTicket.status == TicketState.DONE,
                ctx.within(Inspection.inspected_on, timestamp=False),
            )
        )


class OpenFindings(Metric):
    """整改 findings not yet closed (销号)."""

    key, unit = "findings_open", "finding"
    overdue_only = False

    def rows(self, ctx, enterprises):
        conditions = [Finding.enterprise_id.in_(enterprises), Finding.status != FindingState.CLOSED]
        if self.overdue_only:
            conditions.append(Finding.deadline < ctx.today)
        return sa.select(
            Finding.enterprise_id.label("enterprise_id"),
            sa.literal("").label("dim"),
            sa.literal(1).label("hit"),
            Finding.id.label("finding_id"),
        ).where(*conditions)


class OverdueFindings(OpenFindings):
    """整改 findings past their deadline and not closed."""

    key = "findings_overdue"
    overdue_only = True


class _StaffCertificates(Metric):
    """Certificates of the current staff (at each current employer), by ``condition``: 特种作业操作证 and 合格证 (a
    培训合格证明 is no licence: it simply ends after its year)."""

    unit = "certificate"

    def condition(self, ctx: Ctx) -> sa.ColumnElement:
        raise NotImplementedError

    def rows(self, ctx, enterprises):
        return (
            sa.select(
                Employment.enterprise_id.label("enterprise_id"),
                Certificate.kind.label("dim"),
                sa.literal(1).label("hit"),
                Certificate.id.label("certificate_id"),
                Employment.person_id.label("person_id"),
            )
            .join(Certificate, Certificate.person_id == Employment.person_id)
            .where(*current_staff(enterprises), Certificate.kind != CertKind.TRAINING, self.condition(ctx))
        )


class CertificatesDue(_StaffCertificates):
    """Certificates that hold today whose next obligation (复审 where it still applies, else 换证/延期换证 at the
    end of validity) falls due within ``days`` days."""

    days = 60

    def __init__(self, days: int):
        self.days = days
        self.key = f"certs_due_{days}"

    def condition(self, ctx):
        return sa.and_(
            status_expr(ctx.book, ctx.today).in_(HOLDS),
            next_due_expr(ctx.book).between(ctx.today, ctx.today + timedelta(days=self.days)),
        )


class CertificatesLapsed(_StaffCertificates):
    """Certificates that lapsed (过期, 失效, 逾期未复审) within the last ``LAPSED_DAYS`` days."""

    key = "certs_lapsed"

    def condition(self, ctx):
        status = status_expr(ctx.book, ctx.today)
        lapsed_on = sa.case(
            (status == CertStatus.REVIEW_OVERDUE, Certificate.review_due_on), else_=Certificate.valid_to
        )
        return sa.and_(status.in_(LAPSED), lapsed_on >= ctx.today - timedelta(days=LAPSED_DAYS))


class CertificatesSuspended(_StaffCertificates):
    """Certificates under 暂扣."""

    key = "certs_suspended"

    def condition(self, ctx):
        return status_expr(ctx.book, ctx.today) == CertStatus.SUSPENDED


def appointment_cutoffs(book: RuleBook, today: date) -> dict[float, date]:
    """For each value ``appointment.exam_deadline_months`` takes: the last appointment day whose 6 (…) months are
    over before ``today`` (``compliance._months_after(start, months) < today``)."""
    from app.certificates.compliance import _months_after

    out = {}
    for months in book.values("appointment.exam_deadline_months"):
        day = today - timedelta(days=int(months) * 31 + 31)
        while _months_after(day + timedelta(days=1), int(months)) < today:
            day += timedelta(days=1)
        out[months] = day
    return out


class ManagersOverdue(Metric):
    """主要负责人/安管 of 高危 enterprises past ``appointment.exam_deadline_months`` after appointment without a
    合格证 that holds (3号令 第二十四条; as ``app.certificates.compliance.overdue_appointments``)."""

    key, unit = "managers_overdue", "employment"

    def rows(self, ctx, enterprises):
        months = rule_case(
            ctx.book, "appointment.exam_deadline_months", region=Enterprise.region_code, on=sa.literal(ctx.today)
        )
        past = sa.or_(
            *(
                sa.and_(months == value, Employment.start_date <= cutoff)
                for value, cutoff in appointment_cutoffs(ctx.book, ctx.today).items()
            )
        )
        return (
            sa.select(
                Employment.enterprise_id.label("enterprise_id"),
                sa.literal("").label("dim"),
                sa.literal(1).label("hit"),
                Employment.id.label("employment_id"),
                Employment.person_id.label("person_id"),
            )
            .join(Enterprise, Enterprise.id == Employment.enterprise_id)
            .where(
                *current_staff(enterprises),
                Employment.post.in_(MANAGER_POSTS),
                Enterprise.industry.in_(HIGH_RISK_INDUSTRIES),
                past,
                ~_holding_certificate(ctx, covering()),
            )
        )


class _StaffSnapshots(Metric):
    """人像抓拍 of the current staff, by ``condition``."""

    unit = "snapshot"

    def condition(self) -> sa.ColumnElement:
        raise NotImplementedError

    def rows(self, ctx, enterprises):
        return (
            sa.select(
                Employment.enterprise_id.label("enterprise_id"),
                Snapshot.context.label("dim"),
                sa.literal(1).label("hit"),
                Snapshot.id.label("snapshot_id"),
                Employment.person_id.label("person_id"),
            )
            .join(Snapshot, Snapshot.person_id == Employment.person_id)
            .where(*current_staff(enterprises), self.condition())
        )


class FlaggedSnapshots(_StaffSnapshots):
    """Snapshots flagged by the face check and not yet closed by a 复核."""

    key = "snapshots_flagged"

    def condition(self):
        return sa.and_(Snapshot.needs_review.is_(True), Snapshot.reviewed_at.is_(None))


def credit_held_condition() -> sa.ColumnElement:
    """Snapshots whose study credit is held until their check or 复核 (``Snapshot.credit_held``, where the held-credit
    rule of 人像抓拍 is installed; without it nothing is held)."""
    column = getattr(Snapshot, "credit_held", None)
    return column.is_(True) if column is not None else sa.false()


class HeldCredit(_StaffSnapshots):
    """Snapshots holding study credit back (their check has not answered, or a 复核 is pending)."""

    key = "credit_held"

    def condition(self):
        return credit_held_condition()


class GateOverrides(_ByEmployer):
    """Candidates admitted to a 资格/复审考试 short of 学时 by a logged override (``exam.gate_overridden`` in the
    一人一档), by month."""

    key, kind, unit = "gate_overrides", "count", "override"

    def source(self, ctx):
        return sa.select(
            ArchiveEvent.id.label("ref_id"),
            ArchiveEvent.person_id.label("person_id"),
            sa.literal("").label("dim"),
            ctx.bucket(ArchiveEvent.at, timestamp=True).label("month"),
            sa.literal(1).label("hit"),
            ArchiveEvent.at.label("at"),
        ).where(ArchiveEvent.kind == "exam.gate_overridden", ctx.within(ArchiveEvent.at, timestamp=True))


class OpenExits(Metric):
    """退出 recommendations not yet closed."""

    key, unit = "exits_open", "exit"

    def rows(self, ctx, enterprises):
        return sa.select(
            ExitRecommendation.enterprise_id.label("enterprise_id"),
            sa.literal("").label("dim"),
            sa.literal(1).label("hit"),
            ExitRecommendation.id.label("exit_id"),
        ).where(ExitRecommendation.enterprise_id.in_(enterprises), ExitRecommendation.state != ExitState.CLOSED)


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Licensed(),
        Retraining(),
        TheoryFirst(),
        PracticalFirst(),
        SpotChecks(),
        OpenFindings(),
        OverdueFindings(),
        CertificatesDue(60),
        CertificatesDue(90),
        CertificatesLapsed(),
        CertificatesSuspended(),
        ManagersOverdue(),
        FlaggedSnapshots(),
        HeldCredit(),
        GateOverrides(),
        OpenExits(),
    )
}
