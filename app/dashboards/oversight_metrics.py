"""Metrics of oversight: 逢查必考 results, open and overdue 整改 findings, 退出 recommendations, and the 人像抓拍 that
are flagged or hold study credit back."""

from __future__ import annotations

import sqlalchemy as sa

from app.dashboards import snapshots
from app.dashboards.metric_base import Metric, current_staff, hit
from app.dashboards.models import ExitRecommendation, ExitState
from app.people.models import Employment, Snapshot
from app.spotchecks.models import Finding, FindingState, Inspection, SpotCheckTicket, TicketState


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
                hit(SpotCheckTicket.passed.is_(True)).label("hit"),
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
        return snapshots.awaiting_review()


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
