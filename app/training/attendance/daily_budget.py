"""The daily cap on one person's training day: 面授 entries of every class plus the online study credited
that day, in 学时, kept on one counter row per person and day (:class:`AttendanceDay`).

An entry takes its minutes by one conditional ``UPDATE … WHERE minutes + :m <= :allowed``, so two entries racing for
the same day (two classes, two organisers, two tabs) cannot both take the last hours. Online study credited *after*
an entry meets the same budget from the other side (``app.training.crediting.online_room``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.core.db import conditional_update, insert_on_conflict
from app.core.errors import DomainError
from app.extensions import db
from app.rules.queries import rule_value
from app.training import hours
from app.training.models import AttendanceDay, HeldCredit, StudyCredit, TrainingClass


def daily_cap_hours(training_class: TrainingClass, on: date) -> float:
    """The daily cap (学时, 面授 and online together) in force for the class's region on ``on``."""
    return rule_value("attendance.daily_cap_hours", region_code=training_class.region_code, on=on)


@dataclass(frozen=True)
class DayBudget:
    """One person's training on one local day against the daily cap, in 学时 and in 面授 minutes."""

    day: date
    cap_hours: float
    offline_minutes: int
    online_seconds: int
    offline_period: float
    online_period: float

    @property
    def online_hours(self) -> float:
        return self.online_seconds / 60 / self.online_period

    @property
    def offline_hours(self) -> float:
        return self.offline_minutes / self.offline_period

    @property
    def allowed_offline_minutes(self) -> int:
        """面授 minutes the day may hold in all, after the online study credited that day."""
        return max(0, math.floor((self.cap_hours - self.online_hours) * self.offline_period + 1e-9))

    @property
    def left_minutes(self) -> int:
        return max(0, self.allowed_offline_minutes - self.offline_minutes)


def day_budget(person_id: int, day: date, *, region_code: str = "") -> DayBudget:
    """The person's day as recorded now: 面授 minutes (every class) and online seconds credited that day."""
    offline = db.session.scalar(
        sa.select(AttendanceDay.minutes).where(AttendanceDay.person_id == person_id, AttendanceDay.day == day)
    )
    online = db.session.scalar(  # credited, and held until a 人像抓拍 is confirmed (released into that day later)
        sa.select(
            sa.select(sa.func.coalesce(sa.func.sum(StudyCredit.seconds), 0))
            .where(StudyCredit.person_id == person_id, StudyCredit.day == day)
            .scalar_subquery()
            + sa.select(sa.func.coalesce(sa.func.sum(HeldCredit.seconds), 0))
            .where(HeldCredit.person_id == person_id, HeldCredit.day == day)
            .scalar_subquery()
        )
    )
    return DayBudget(
        day=day,
        cap_hours=rule_value("attendance.daily_cap_hours", region_code=region_code, on=day),
        offline_minutes=int(offline or 0),
        online_seconds=int(online or 0),
        offline_period=hours.period_minutes(online=False, region_code=region_code, on=day),
        online_period=hours.period_minutes(online=True, region_code=region_code, on=day),
    )


def budget_refusal(budget: DayBudget, minutes: int) -> DomainError:
    params = {
        "date": budget.day.isoformat(),
        "offline": f"{budget.offline_hours:.4g}",
        "online": f"{budget.online_hours:.4g}",
        "cap": f"{budget.cap_hours:g}",
        "left": budget.left_minutes,
    }
    if budget.online_seconds and budget.offline_minutes + minutes <= budget.cap_hours * budget.offline_period:
        return DomainError("attendance.online_overlap", **params)
    return DomainError("attendance.daily_cap", **params)


def take_minutes(person_id: int, day: date, minutes: int, *, region_code: str) -> None:
    """Add ``minutes`` to the person's day, in one conditional statement, or refuse (the day unchanged)."""
    budget = day_budget(person_id, day, region_code=region_code)
    db.session.execute(
        insert_on_conflict(db.session, AttendanceDay)
        .values(person_id=person_id, day=day, minutes=0)
        .on_conflict_do_nothing(index_elements=["person_id", "day"])
    )
    taken = db.session.execute(
        conditional_update(AttendanceDay)
        .where(
            AttendanceDay.person_id == person_id,
            AttendanceDay.day == day,
            AttendanceDay.minutes + minutes <= budget.allowed_offline_minutes,
        )
        .values(minutes=AttendanceDay.minutes + minutes)
        .returning(AttendanceDay.minutes)
    ).first()
    if taken is None:
        raise budget_refusal(day_budget(person_id, day, region_code=region_code), minutes)


def give_back_minutes(person_id: int, day: date, minutes: int) -> None:
    db.session.execute(
        conditional_update(AttendanceDay)
        .where(AttendanceDay.person_id == person_id, AttendanceDay.day == day)
        .values(minutes=AttendanceDay.minutes - minutes)
    )
