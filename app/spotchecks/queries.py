"""Reads for the regulator's pages: the filtered inspection list, pass rates and the most-missed questions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.bank.models import BankQuestion
from app.extensions import db
from app.spotchecks import engine
from app.spotchecks.models import Inspection, InspectionState, SpotCheckTicket, TicketState
from app.tenancy.models import Enterprise, Industry


@dataclass(frozen=True)
class InspectionFilter:
    enterprise_id: int | None = None
    industry: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None

    def apply(self, query: sa.Select) -> sa.Select:
        """Narrow a ``select(Inspection)`` (already scoped) by the filters that are set."""
        query = query.join(Enterprise, Inspection.enterprise_id == Enterprise.id)
        if self.enterprise_id:
            query = query.where(Inspection.enterprise_id == self.enterprise_id)
        if self.industry in Industry._value2member_map_:
            query = query.where(Enterprise.industry == Industry(self.industry))
        if self.date_from:
            query = query.where(Inspection.inspected_on >= self.date_from)
        if self.date_to:
            query = query.where(Inspection.inspected_on <= self.date_to)
        if self.status in InspectionState._value2member_map_:
            query = query.where(Inspection.status == InspectionState(self.status))
        return query


def ticket_counts(inspection_ids: list[int]) -> dict[int, dict]:
    """Per inspection: tested (graded tickets), passed, and tickets still live."""
    rows = db.session.execute(
        sa.select(SpotCheckTicket.inspection_id, SpotCheckTicket.status, SpotCheckTicket.passed, sa.func.count())
        .where(SpotCheckTicket.inspection_id.in_(inspection_ids), SpotCheckTicket.status != TicketState.VOID)
        .group_by(SpotCheckTicket.inspection_id, SpotCheckTicket.status, SpotCheckTicket.passed)
    ).all()
    counts: dict[int, dict] = defaultdict(lambda: {"sampled": 0, "graded": 0, "passed": 0})
    for inspection_id, status, passed, n in rows:
        c = counts[inspection_id]
        c["sampled"] += n
        if status is TicketState.DONE:
            c["graded"] += n
            c["passed"] += n if passed else 0
    return counts


@dataclass
class Rate:
    label: str
    tested: int = 0
    passed: int = 0

    @property
    def percent(self) -> float:
        return round(100 * self.passed / self.tested, 1) if self.tested else 0.0


def pass_rates(scoped: sa.Select) -> dict[str, list[Rate]]:
    """Pass rates of graded tickets per enterprise, industry and month, over the inspections ``scoped`` selects."""
    ids = scoped.with_only_columns(Inspection.id)
    rows = db.session.execute(
        sa.select(Enterprise.id, Enterprise.name, Enterprise.industry, Inspection.inspected_on, SpotCheckTicket.passed)
        .join(Inspection, SpotCheckTicket.inspection_id == Inspection.id)
        .join(Enterprise, Inspection.enterprise_id == Enterprise.id)
        .where(Inspection.id.in_(ids), SpotCheckTicket.status == TicketState.DONE)
    ).all()
    groups: dict[str, dict] = {"enterprise": {}, "industry": {}, "month": {}}
    for ent_id, ent_name, industry, on, passed in rows:
        for dimension, key, label in (
            ("enterprise", ent_id, ent_name),
            ("industry", industry.value, industry.label),
            ("month", on.strftime("%Y-%m"), on.strftime("%Y-%m")),
        ):
            rate = groups[dimension].setdefault(key, Rate(label))
            rate.tested += 1
            rate.passed += 1 if passed else 0
    return {
        "enterprise": sorted(groups["enterprise"].values(), key=lambda r: (r.percent, r.label)),
        "industry": sorted(groups["industry"].values(), key=lambda r: (r.percent, r.label)),
        "month": sorted(groups["month"].values(), key=lambda r: r.label),
    }


@dataclass
class Missed:
    key: str
    label: str
    topic: str = ""
    asked: int = 0
    wrong: int = 0

    @property
    def percent(self) -> float:
        return round(100 * self.wrong / self.asked, 1) if self.asked else 0.0


def most_missed(scoped: sa.Select, *, limit: int = 20) -> tuple[list[Missed], list[Missed]]:
    """Questions and topics answered wrongly most often in graded spot-check attempts (unanswered counts as wrong).

    Two ``GROUP BY`` over the per-question results written at grading (``exams_item_results``): no paper is
    loaded, however many inspections are in scope.

    :return: (questions by % wrong, topics by % wrong).
    """
    results = engine.ItemResult
    in_scope = results.sitting_id.in_(scoped.with_only_columns(Inspection.sitting_id))
    wrong = sa.func.sum(sa.case((results.correct, 0), else_=1))
    stems = (
        sa.select(BankQuestion.key, sa.func.min(BankQuestion.stem).label("stem"))
        .where(BankQuestion.current.is_(True))
        .group_by(BankQuestion.key)
        .subquery()
    )
    by_question = db.session.execute(
        sa.select(results.question_key, sa.func.min(results.topic), sa.func.count(), wrong, stems.c.stem)
        .outerjoin(stems, stems.c.key == results.question_key)
        .where(in_scope)
        .group_by(results.question_key, stems.c.stem)
    ).all()
    by_topic = db.session.execute(
        sa.select(results.topic, sa.func.count(), wrong).where(in_scope).group_by(results.topic)
    ).all()
    questions = [Missed(key, stem or key, topic or "—", asked, wrong) for key, topic, asked, wrong, stem in by_question]
    topics = [Missed(topic or "—", topic or "—", topic or "—", asked, wrong) for topic, asked, wrong in by_topic]
    ranked = sorted(questions, key=lambda m: (-m.percent, -m.asked, m.key))[:limit]
    return ranked, sorted(topics, key=lambda m: (-m.percent, m.label))
