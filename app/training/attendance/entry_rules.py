"""What any 面授 entry must satisfy whatever its day: a 面授 or 混合 class the person is enrolled in, a day of
the class (local dates of its region) not after today there, a reason."""

from __future__ import annotations

from datetime import date, datetime

from app.core.clock import to_local, utcnow, zone_named
from app.core.errors import DomainError
from app.people.zones import region_time_zone
from app.training.classes import class_facts, is_enrolled
from app.training.models import ClassMode, TrainingClass

#: The most one entry may hold (a long day's sessions are several entries); the daily cap is usually lower.
MAX_ENTRY_MINUTES = 600


SOURCES = ("manual", "sheet")


def class_today(training_class: TrainingClass, now: datetime | None = None) -> date:
    """Today in the class's region (its jurisdiction's zone), whose dates the class's dates are."""
    zone = zone_named(region_time_zone(training_class.region_code))
    return to_local(now or utcnow(), zone).date()


def check_entry(
    training_class: TrainingClass, person_id: int, session_date: date, minutes: int, *, now: datetime
) -> None:
    """What an entry (new or changed) must satisfy whatever its day; the daily cap is checked as it is taken.

    :raises DomainError: ``attendance.online_class``, ``attendance.not_enrolled``, ``attendance.minutes``,
        ``attendance.outside_class``, ``attendance.future``.
    """
    if training_class.mode is ClassMode.ONLINE:
        raise DomainError("attendance.online_class")
    if not is_enrolled(training_class, person_id):
        raise DomainError("attendance.not_enrolled")
    if not 0 < minutes <= MAX_ENTRY_MINUTES:
        raise DomainError("attendance.minutes", http_status=400)
    if not training_class.starts_on <= session_date <= training_class.ends_on:
        raise DomainError(
            "attendance.outside_class",
            date=session_date.isoformat(),
            starts=training_class.starts_on.isoformat(),
            ends=training_class.ends_on.isoformat(),
        )
    if session_date > class_today(training_class, now):
        raise DomainError("attendance.future", date=session_date.isoformat())


def is_after_the_day(training_class: TrainingClass, session_date: date, now: datetime) -> bool:
    """An entry of a day already over in the class's region: changing it needs a second person."""
    return session_date < class_today(training_class, now)


def entry_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("attendance.reason", http_status=400)
    return reason[:200]


def entry_facts(training_class: TrainingClass, **more) -> dict:
    return class_facts(training_class) | more
