"""Dates and validity, and what the certificates layer asks: a passed theory or practical exam stays valid
``exam.score_valid_months`` (12) from its exam day (:func:`theory_pass`, :func:`passed_practical`)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from app.core.clock import to_local
from app.exams.models import Attempt, AttemptState, ExamKind, Sitting
from app.exams.practical.models import PracticalAttempt
from app.extensions import db
from app.rules.queries import rule_value


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (31 January + 1 → 28/29 February)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def local_day(value: datetime) -> date:
    """The local (users') date of a stored UTC time: an exam at 07:30 in Shanghai is 23:30 UTC the day before."""
    return to_local(value).date()


def valid_on(taken_on: date, on: date) -> bool:
    """A result of ``taken_on`` still counts on ``on``: from its exam day for ``exam.score_valid_months`` (the
    version of that day), up to the day before the same date that many months later."""
    months = int(rule_value("exam.score_valid_months", on=taken_on))
    return taken_on <= on < add_months(taken_on, months)


#: Theory exams of a 特种作业 licence: the 资格考试, and 补考 of it (a 补考 carries its original's subject).
THEORY_KINDS = sa.or_(
    Sitting.kind == ExamKind.QUALIFICATION,
    sa.and_(Sitting.kind == ExamKind.MAKEUP, Sitting.subject.startswith(f"{ExamKind.QUALIFICATION.value}:")),
)


def theory_pass(person_id: int, operation_code: str, on: date) -> Attempt | None:
    """The latest graded, passed theory exam (资格考试 or its 补考) of ``operation_code`` that ``person_id`` took on
    or before ``on`` and that is still valid on ``on`` (12 months); None when there is none."""
    rows = db.session.scalars(
        sa.select(Attempt)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(
            Attempt.person_id == person_id,
            Attempt.state == AttemptState.GRADED,
            Attempt.passed.is_(True),
            Sitting.operation_code == operation_code,
            THEORY_KINDS,
        )
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    )
    return next((a for a in rows if valid_on(local_day(a.started_at), on)), None)


def passed_practical(person_id: int, operation_code: str, on: date) -> PracticalAttempt | None:
    """The latest graded, passed practical exam of ``operation_code`` that ``person_id`` took on or before ``on``
    and that is still valid on ``on`` (12 months from its exam day); None when there is none."""
    rows = db.session.scalars(
        sa.select(PracticalAttempt)
        .where(
            PracticalAttempt.person_id == person_id,
            PracticalAttempt.operation_code == operation_code,
            PracticalAttempt.graded_at.is_not(None),
            PracticalAttempt.passed.is_(True),
            PracticalAttempt.exam_on <= on,
        )
        .order_by(PracticalAttempt.exam_on.desc(), PracticalAttempt.id.desc())
    )
    return next((a for a in rows if valid_on(a.exam_on, on)), None)
