"""A person's training per year, for the 一人一档 (``app.people.sections.TrainingYear``): the classes (班次) they were
enrolled in that ran or credited them that year, the 学时 credited that year by kind (网络学习 from the study ledger,
面授 from attendance) and the year's required 再培训 hours for the post they held then. Four queries a person.

Hours follow the 学时台账 (``app.training.hours.hours_between``): a year's total is its online seconds and offline
minutes turned into 学时 together (so it equals the ledger's figure); each kind alone is turned on its own.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.people.models import Employment, Person
from app.people.sections import Outcome, TrainingClassRow, TrainingYear
from app.tenancy.models import Enterprise, TrainingInstitution
from app.training.hours import required_hours, to_hours
from app.training.models import Attendance, Enrolment, StudyCredit, TrainingClass, TrainingType


def _credits(person_id: int) -> tuple[dict, dict]:
    """({(year, class id): online seconds}, {(year, class id): offline minutes})."""
    online = db.session.execute(
        sa.select(sa.extract("year", StudyCredit.day), StudyCredit.class_id, sa.func.sum(StudyCredit.seconds))
        .where(StudyCredit.person_id == person_id)
        .group_by(sa.extract("year", StudyCredit.day), StudyCredit.class_id)
    ).all()
    offline = db.session.execute(
        sa.select(sa.extract("year", Attendance.session_date), Attendance.class_id, sa.func.sum(Attendance.minutes))
        .where(Attendance.person_id == person_id)
        .group_by(sa.extract("year", Attendance.session_date), Attendance.class_id)
    ).all()
    return (
        {(int(y), cid): int(n or 0) for y, cid, n in online},
        {(int(y), cid): int(n or 0) for y, cid, n in offline},
    )


def _classes(person_id: int, extra_ids: set[int]) -> list[tuple[TrainingClass, str, object]]:
    """(class, organiser name, completed_at) of the person's enrolments and of classes that credited them."""
    enrolled = sa.select(Enrolment.class_id).where(Enrolment.person_id == person_id)
    completed = (
        sa.select(Enrolment.completed_at)
        .where(Enrolment.person_id == person_id, Enrolment.class_id == TrainingClass.id)
        .scalar_subquery()
    )
    organiser = sa.func.coalesce(TrainingInstitution.name, Enterprise.name, "")
    return db.session.execute(
        sa.select(TrainingClass, organiser, completed)
        .outerjoin(TrainingInstitution, TrainingInstitution.id == TrainingClass.institution_id)
        .outerjoin(Enterprise, Enterprise.id == TrainingClass.enterprise_id)
        .where(sa.or_(TrainingClass.id.in_(enrolled), TrainingClass.id.in_(extra_ids or [-1])))
        .order_by(TrainingClass.starts_on, TrainingClass.id)
    ).all()


def _employment_in(person: Person, year: int) -> Employment | None:
    """The employment whose post sets the year's required hours: a current one for a year it overlaps (as the
    学时台账 and ``hours.my_year``), else the one of that year that started last."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    held = [e for e in person.employments if e.start_date <= last and (e.end_date is None or e.end_date >= first)]
    held.sort(key=lambda e: (e.end_date is None, e.start_date), reverse=True)
    return held[0] if held else None


def _required(person: Person, year: int) -> float | None:
    employment = _employment_in(person, year)
    if employment is None:
        return None
    return required_hours(employment.post, employment.enterprise.industry, TrainingType.ANNUAL, on=date(year, 12, 31))


def _completion(completed_at, ends_on: date, today: date) -> Outcome:
    if completed_at is not None:
        return Outcome(_("已结业"), "ok")
    if ends_on >= today:
        return Outcome(_("培训中"), "muted")
    return Outcome(_("未结业"), "warn")


def _fmt(hours: float) -> str:
    return f"{hours:g}"


def training_years(person: Person, today: date) -> list[TrainingYear]:
    """The person's training per year, newest first: every year up to this one that a class of theirs ran in or
    credited them, and this year while they are employed (its required hours apply, trained or not)."""
    online, offline = _credits(person.id)
    credited = set(online) | set(offline)
    classes = _classes(person.id, {cid for _y, cid in credited})
    by_year: dict[int, list[TrainingClassRow]] = defaultdict(list)
    for training_class, organiser, completed_at in classes:
        ran = set(range(training_class.starts_on.year, min(training_class.ends_on.year, today.year) + 1))
        for year in sorted(ran | {y for y, cid in credited if cid == training_class.id}):
            key = (year, training_class.id)
            hours = to_hours(online.get(key, 0), offline.get(key, 0))
            by_year[year].append(
                TrainingClassRow(
                    title=training_class.title,
                    organiser=organiser,
                    dates=f"{training_class.starts_on.isoformat()} {_('至')} {training_class.ends_on.isoformat()}",
                    hours=f"{_fmt(hours)}/{_fmt(training_class.required_hours)}",
                    completion=_completion(completed_at, training_class.ends_on, today),
                )
            )
    if person.current_employments:
        by_year.setdefault(today.year, [])
    years = []
    for year in sorted(by_year, reverse=True):
        seconds = sum(n for (y, _c), n in online.items() if y == year)
        minutes = sum(n for (y, _c), n in offline.items() if y == year)
        years.append(
            TrainingYear(
                year=year,
                online=to_hours(seconds, 0),
                offline=to_hours(0, minutes),
                total=to_hours(seconds, minutes),
                required=_required(person, year),
                classes=tuple(by_year[year]),
            )
        )
    return years
