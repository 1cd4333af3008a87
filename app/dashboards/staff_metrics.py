"""Metrics of what the current staff owe: 持证上岗, this year's 再培训, certificates due, lapsed or under 暂扣, and
主要负责人/安管 past their exam deadline."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy import orm as so

from app.certificates.models import HOLDS, Certificate, CertKind, CertStatus
from app.certificates.status_sql import next_due_expr, status_expr
from app.dashboards.metric_base import Agg, Metric, current_staff, hit
from app.dashboards.window import Ctx
from app.extensions import db
from app.people.models import Employment, Post
from app.rules.book import RuleBook
from app.rules.queries import rule_case
from app.tenancy.models import HIGH_RISK_INDUSTRIES, Enterprise
from app.training import hours
from app.training.models import TrainingType

MANAGER_POSTS = (Post.PRINCIPAL, Post.SAFETY_MANAGER)
LAPSED = (CertStatus.OUT_OF_DATE, CertStatus.EXPIRED, CertStatus.REVIEW_OVERDUE)
#: How far back a lapse still counts as "lapsed" on the dashboard (older ones are history).
LAPSED_DAYS = 365


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
                hit(_holding_certificate(ctx, covering())).label("hit"),
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
