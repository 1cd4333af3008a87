"""学时: minutes into periods by the rule table, a person's hours per class and per year, what the rules require
(post × the enterprise's 高危 status × training type), who is short, and the hours gate before 资格/复审考试.

1 学时 = ``period.minutes.online`` (30) minutes of online study or ``period.minutes.offline`` (45) of 面授
(AQ 8011-2023 4.4.4). Required hours come from the ``hours.*`` rules (3号令 Art 9 and 13, 安委〔2012〕10号,
30号令 Art 23); for a special operator's initial training the 培训大纲 decides, so the class's own required hours
stand for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from app.core.clock import local_today
from app.extensions import db
from app.people.models import Employment, Person, Post
from app.rules.queries import rule_value
from app.tenancy.models import HIGH_RISK_INDUSTRIES, Enterprise, Industry
from app.training.models import Attendance, Enrolment, StudyCredit, TrainingClass, TrainingType

MANAGER_POSTS = (Post.PRINCIPAL, Post.SAFETY_MANAGER)
#: Training types whose hours count as 初次/岗前 training.
INITIAL_TYPES = (TrainingType.INITIAL, TrainingType.THREE_LEVEL)


def period_minutes(*, online: bool, region_code: str = "", on: date | None = None) -> float:
    return rule_value("period.minutes.online" if online else "period.minutes.offline", region_code=region_code, on=on)


def to_hours(online_seconds: int, offline_minutes: int, *, region_code: str = "", on: date | None = None) -> float:
    """学时 from credited online seconds and attended offline minutes, to two decimals (never rounded up)."""
    online = online_seconds / 60 / period_minutes(online=True, region_code=region_code, on=on)
    offline = offline_minutes / period_minutes(online=False, region_code=region_code, on=on)
    return int((online + offline) * 100) / 100


def rule_key(post: Post | str, industry: Industry | str | None, training_type: TrainingType) -> str | None:
    """The ``hours.*`` rule for a post, an enterprise industry and a training type; None where no national rule
    fixes the figure (a special operator's initial training follows its 大纲; 换岗 training is set per class)."""
    post = Post(post)
    industry = Industry(industry) if industry else Industry.GENERAL
    if training_type is TrainingType.TRANSFER:
        return None
    if post is Post.SPECIAL_OPERATOR:
        if training_type is TrainingType.REVIEW:
            return "hours.review.special_operator"
        if training_type in INITIAL_TYPES:
            return None
    phase = "initial" if training_type in INITIAL_TYPES else "annual"
    group = "manager" if post in MANAGER_POSTS else "worker"
    if industry in HIGH_RISK_INDUSTRIES:
        sector = "high_risk"
    elif industry is Industry.CONSTRUCTION and group == "worker":
        sector = "construction"
    else:
        sector = "general"
    return f"hours.{phase}.{group}.{sector}"


def required_hours(
    post: Post | str, industry, training_type: TrainingType, *, region_code: str = "", on: date | None = None
) -> float | None:
    key = rule_key(post, industry, training_type)
    return None if key is None else rule_value(key, region_code=region_code, on=on)


def class_minutes(person_id: int, class_id: int) -> tuple[int, int]:
    """(online seconds, offline minutes) credited to a person in a class."""
    online = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(StudyCredit.seconds), 0)).where(
            StudyCredit.person_id == person_id, StudyCredit.class_id == class_id
        )
    )
    offline = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Attendance.minutes), 0)).where(
            Attendance.person_id == person_id, Attendance.class_id == class_id
        )
    )
    return int(online), int(offline)


def class_hours(person_id: int, training_class: TrainingClass) -> float:
    online, offline = class_minutes(person_id, training_class.id)
    return to_hours(online, offline, region_code=training_class.region_code)


def hours_between(
    person_ids, start: date, end: date, *, types: tuple[TrainingType, ...] | None = None, operation_code: str = ""
) -> dict[int, float]:
    """学时 per person credited on days ``start`` … ``end`` (inclusive), in classes of ``types`` (all if None)."""
    person_ids = list(person_ids)
    if not person_ids:
        return {}
    conditions = [TrainingClass.training_type.in_(types)] if types else []
    if operation_code:
        conditions.append(TrainingClass.operation_code == operation_code)
    online = db.session.execute(
        sa.select(StudyCredit.person_id, sa.func.sum(StudyCredit.seconds))
        .join(TrainingClass, TrainingClass.id == StudyCredit.class_id)
        .where(StudyCredit.person_id.in_(person_ids), StudyCredit.day.between(start, end), *conditions)
        .group_by(StudyCredit.person_id)
    ).all()
    offline = db.session.execute(
        sa.select(Attendance.person_id, sa.func.sum(Attendance.minutes))
        .join(TrainingClass, TrainingClass.id == Attendance.class_id)
        .where(Attendance.person_id.in_(person_ids), Attendance.session_date.between(start, end), *conditions)
        .group_by(Attendance.person_id)
    ).all()
    seconds = dict(online)
    minutes = dict(offline)
    return {pid: to_hours(int(seconds.get(pid) or 0), int(minutes.get(pid) or 0)) for pid in person_ids}


@dataclass(frozen=True)
class LedgerRow:
    person: Person
    employment: Employment
    required: float | None
    done: float

    @property
    def short(self) -> float:
        return max(0.0, round((self.required or 0) - self.done, 2))


def year_ledger(enterprise: Enterprise, year: int) -> list[LedgerRow]:
    """Current staff of an enterprise with the year's 再培训 hours required for their post and the enterprise's
    industry, and the hours credited that year (every class type counts towards the year)."""
    employments = db.session.scalars(
        sa.select(Employment)
        .where(Employment.enterprise_id == enterprise.id, Employment.end_date.is_(None))
        .order_by(Employment.id)
    ).all()
    # a pending employment's hours are the person's record, not yet the enterprise's to see (shown as 0, marked)
    done = hours_between({e.person_id for e in employments if not e.is_pending}, date(year, 1, 1), date(year, 12, 31))
    on = date(year, 12, 31)
    return [
        LedgerRow(
            person=e.person,
            employment=e,
            required=required_hours(
                e.post, enterprise.industry, TrainingType.ANNUAL, region_code=enterprise.region_code, on=on
            ),
            done=done.get(e.person_id, 0.0),
        )
        for e in employments
    ]


def eligible_for_exam(
    person_id: int, post: str, operation_code: str, kind: str, on: date | None = None
) -> tuple[bool, dict | None]:
    """May the person sit a 资格考试 (``qualification``) or 复审考试 (``review``) now, by training hours?

    资格考试: the initial training hours (a special operator: a completed initial class of the 操作项目, its hours
    reached). 复审考试: a special operator's 复审 training (8 学时) in the last year; others their year's 再培训.

    :return: ``(True, None)``, or ``(False, {"code": "gate.hours_short", "required": …, "done": …})`` /
        ``(False, {"code": "gate.no_training"})``.
    """
    on = on or local_today()
    person = db.session.get(Person, person_id)
    employment = _employment_for(person, post)
    post = Post(post) if post else (employment.post if employment else Post.WORKER)
    industry = employment.enterprise.industry if employment else Industry.GENERAL
    region = employment.enterprise.region_code if employment else ""
    if kind == "qualification":
        if post is Post.SPECIAL_OPERATOR:
            return _completed_operator_class(person_id, operation_code)
        required = required_hours(post, industry, TrainingType.INITIAL, region_code=region, on=on)
        done = hours_between([person_id], date(1900, 1, 1), on, types=INITIAL_TYPES).get(person_id, 0.0)
    elif kind == "review":
        if post is Post.SPECIAL_OPERATOR:
            required = required_hours(post, industry, TrainingType.REVIEW, region_code=region, on=on)
            done = hours_between([person_id], on - timedelta(days=365), on, types=(TrainingType.REVIEW,)).get(
                person_id, 0.0
            )
        else:
            required = required_hours(post, industry, TrainingType.ANNUAL, region_code=region, on=on)
            done = hours_between([person_id], date(on.year, 1, 1), on).get(person_id, 0.0)
    else:
        return True, None
    if required is not None and done + 1e-9 < required:
        return False, {"code": "gate.hours_short", "required": _fmt(required), "done": _fmt(done)}
    return True, None


def _fmt(hours: float) -> str:
    return f"{hours:g}"


def _employment_for(person: Person | None, post: str) -> Employment | None:
    if person is None:
        return None
    current = person.current_employments
    return next((e for e in current if post and e.post == post), current[0] if current else None)


def _completed_operator_class(person_id: int, operation_code: str) -> tuple[bool, dict | None]:
    classes = db.session.scalars(
        sa.select(TrainingClass)
        .join(Enrolment, Enrolment.class_id == TrainingClass.id)
        .where(
            Enrolment.person_id == person_id,
            TrainingClass.training_type.in_(INITIAL_TYPES),
            TrainingClass.operation_code == (operation_code or ""),
        )
    ).all()
    best = None
    for training_class in classes:
        done = class_hours(person_id, training_class)
        if done + 1e-9 >= training_class.required_hours:
            return True, None
        best = max(best or (0.0, 0.0), (done, training_class.required_hours))
    if best is None:
        return False, {"code": "gate.no_training"}
    return False, {"code": "gate.hours_short", "required": _fmt(best[1]), "done": _fmt(best[0])}


@dataclass(frozen=True)
class CompletionRate:
    enterprise: Enterprise
    enrolled: int
    completed: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.completed / self.enrolled, 1) if self.enrolled else None


def completion_rates(enterprise_ids, year: int) -> list[CompletionRate]:
    """Per enterprise (of ``enterprise_ids``, a select of ids in the viewer's scope): trainees enrolled in classes
    that started in ``year`` — counted by their current employer — and how many of those enrolments completed."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    rows = db.session.execute(
        sa.select(
            Employment.enterprise_id,
            sa.func.count(Enrolment.id),
            sa.func.count(Enrolment.completed_at),
        )
        .join(Enrolment, Enrolment.person_id == Employment.person_id)
        .join(TrainingClass, TrainingClass.id == Enrolment.class_id)
        .where(
            Employment.end_date.is_(None),
            Employment.enterprise_id.in_(enterprise_ids),
            TrainingClass.starts_on.between(start, end),
        )
        .group_by(Employment.enterprise_id)
    ).all()
    counts = {enterprise_id: (enrolled, completed) for enterprise_id, enrolled, completed in rows}
    enterprises = db.session.scalars(
        sa.select(Enterprise).where(Enterprise.id.in_(enterprise_ids)).order_by(Enterprise.name)
    ).all()
    return [CompletionRate(e, *counts.get(e.id, (0, 0))) for e in enterprises]


def my_year(person: Person, year: int) -> tuple[float | None, float]:
    """(the year's 再培训 hours required for the person's current post and employer, hours credited this year)."""
    employment = _employment_for(person, "")
    required = (
        required_hours(employment.post, employment.enterprise.industry, TrainingType.ANNUAL, on=date(year, 12, 31))
        if employment
        else None
    )
    done = hours_between([person.id], date(year, 1, 1), date(year, 12, 31)).get(person.id, 0.0)
    return required, done
