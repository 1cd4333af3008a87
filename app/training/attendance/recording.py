"""Recording 面授 entries on their day (or by an approved correction after it): each keeps who recorded it and
why, takes its minutes from the day's budget, and is written to the person's 一人一档. Functions flush."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from app.archive.services import record_event
from app.core.clock import utcnow
from app.core.db import conditional_update, insert_on_conflict
from app.core.errors import DomainError
from app.extensions import db
from app.training.attendance.daily_budget import give_back_minutes, take_minutes
from app.training.attendance.entry_rules import SOURCES, check_entry, entry_facts, entry_reason, is_after_the_day
from app.training.classes import refresh_completions
from app.training.models import Attendance, AttendanceCorrection, TrainingClass


def record(
    training_class: TrainingClass,
    person_id: int,
    *,
    session_date: date,
    minutes: int,
    actor,
    reason: str,
    session_label: str = "",
    source: str = "manual",
    sheet_sha256: str = "",
    now: datetime | None = None,
    correction: AttendanceCorrection | None = None,
) -> Attendance:
    """One attended 面授 session, recorded on its day (or by an approved ``correction`` after it): the rules of
    :func:`check_entry`, the daily cap, who and why. The person's file gets ``training.attended``.

    :raises DomainError: as :func:`check_entry`; ``attendance.reason``, ``attendance.after_day`` (a day over needs
        :func:`request_correction`), ``attendance.duplicate``, ``attendance.daily_cap``, ``attendance.online_overlap``.
    """
    now = now or utcnow()
    if source not in SOURCES:
        raise ValueError(source)
    reason = entry_reason(reason)
    check_entry(training_class, person_id, session_date, minutes, now=now)
    if correction is None and is_after_the_day(training_class, session_date, now):
        raise DomainError("attendance.after_day", date=session_date.isoformat())
    label = (session_label or "").strip()[:40]
    take_minutes(person_id, session_date, minutes, region_code=training_class.region_code)
    attendance_id = db.session.execute(
        insert_on_conflict(db.session, Attendance)
        .values(
            class_id=training_class.id,
            person_id=person_id,
            session_date=session_date,
            session_label=label,
            minutes=minutes,
            source=source,
            reason=reason,
            recorded_by_id=actor.id if actor is not None else None,
            recorded_at=now,
            sheet_sha256=sheet_sha256,
            correction_id=correction.id if correction is not None else None,
        )
        .on_conflict_do_nothing(index_elements=["class_id", "person_id", "session_date", "session_label"])
        .returning(Attendance.id)
    ).scalar()
    if attendance_id is None:
        raise DomainError("attendance.duplicate")
    record_event(
        person_id,
        "training.attended",
        entry_facts(
            training_class,
            date=session_date.isoformat(),
            session=label,
            minutes=minutes,
            source=source,
            reason=reason,
            **({"correction": correction.id} if correction is not None else {}),
            **({"sheet_sha256": sheet_sha256} if sheet_sha256 else {}),
        ),
        actor=actor,
        enterprise_id=training_class.enterprise_id,
        at=now,
    )
    refresh_completions(training_class, actor=actor, person_id=person_id, now=now)
    return db.session.get(Attendance, attendance_id)


def change(
    attendance: Attendance,
    *,
    minutes: int,
    actor,
    reason: str,
    now: datetime | None = None,
    correction: AttendanceCorrection | None = None,
) -> Attendance | None:
    """Change an entry's minutes (0 withdraws it) on its day, or by an approved ``correction`` after it; the daily
    cap is moved by the difference. The file gets ``training.attendance_changed`` / ``…_withdrawn``.

    :raises DomainError: ``attendance.after_day``, ``attendance.reason``, ``attendance.changed`` (the entry was
        changed or withdrawn meanwhile; ``correction.gone`` for a correction), and the rules of :func:`check_entry`
        and the daily cap for a longer entry.
    """
    now = now or utcnow()
    reason = entry_reason(reason)
    training_class = db.session.get(TrainingClass, attendance.class_id)
    if correction is None and is_after_the_day(training_class, attendance.session_date, now):
        raise DomainError("attendance.after_day", date=attendance.session_date.isoformat())
    # A correction changes the entry as it was asked about; on the day, as this request loaded it.
    old = correction.old_minutes if correction is not None else attendance.minutes
    if minutes:
        check_entry(training_class, attendance.person_id, attendance.session_date, minutes, now=now)
    elif old <= 0:
        raise DomainError("attendance.minutes", http_status=400)
    facts = entry_facts(
        training_class,
        date=attendance.session_date.isoformat(),
        session=attendance.session_label,
        minutes=minutes,
        old_minutes=old,
        reason=reason,
        **({"correction": correction.id} if correction is not None else {}),
    )
    person_id, day = attendance.person_id, attendance.session_date
    # The entry first, only if it still holds ``old`` minutes (a double click, two approvals at once): the loser
    # is refused before the day's counter moves or the file gets an event.
    if minutes:
        values = {"minutes": minutes, "reason": reason}
        if correction is not None:
            values["correction_id"] = correction.id
        stmt = conditional_update(Attendance).values(**values)
        kind, kept = "training.attendance_changed", attendance
    else:
        stmt = sa.delete(Attendance).execution_options(synchronize_session=False)
        kind, kept = "training.attendance_withdrawn", None
    done = db.session.execute(
        stmt.where(Attendance.id == attendance.id, Attendance.minutes == old).returning(Attendance.id)
    ).first()
    if done is None:
        raise DomainError("correction.gone" if correction is not None else "attendance.changed")
    if minutes > old:
        take_minutes(person_id, day, minutes - old, region_code=training_class.region_code)
    elif minutes < old:
        give_back_minutes(person_id, day, old - minutes)
    if kept is not None:
        db.session.refresh(kept)
    else:
        db.session.expunge(attendance)
    db.session.flush()
    record_event(person_id, kind, facts, actor=actor, enterprise_id=training_class.enterprise_id, at=now)
    if kept is not None:
        refresh_completions(training_class, actor=actor, person_id=person_id, now=now)
    return kept


def entries(training_class: TrainingClass, person_filter=None) -> list[Attendance]:
    """The class's entries (of the persons ``person_filter`` lets through, a condition on ``Attendance``), by day."""
    return db.session.scalars(
        sa.select(Attendance)
        .where(Attendance.class_id == training_class.id, person_filter if person_filter is not None else sa.true())
        .order_by(Attendance.session_date.desc(), Attendance.session_label, Attendance.person_id)
    ).all()
