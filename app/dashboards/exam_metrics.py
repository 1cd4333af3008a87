"""Metrics of exams: first attempts at theory and practical exams (pass rates) and logged 学时 gate overrides, each
counted at the person's current employers."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so

from app.archive.models import ArchiveEvent
from app.dashboards.metric_base import Metric, current_staff, hit
from app.dashboards.window import Ctx
from app.exams.models import Attempt, AttemptState, ExamKind, Sitting
from app.exams.practical.models import PracticalAttempt
from app.people.models import Employment

#: Exams whose first attempts the dashboards count (逢查必考 has its own tile; a 补考 is never a first attempt).
THEORY_KINDS = (ExamKind.QUALIFICATION, ExamKind.REVIEW, ExamKind.TRAINING, ExamKind.CLASS)
#: The authority's theory exams (the 动态积分 of institutions counts these and the practical exam).
AUTHORITY_KINDS = (ExamKind.QUALIFICATION, ExamKind.REVIEW)


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
            hit(Attempt.passed.is_(True)).label("hit"),
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
        hit(PracticalAttempt.passed.is_(True)).label("hit"),
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
