"""面授 attendance and its limits: what may be recorded, by whom, and how a day already over is corrected.

An entry (manual, or a row of a sign-in sheet) must

- belong to a 面授 or 混合 class the person is enrolled in;
- fall on a day of the class (its dates are local dates of the class's region) and not after today there;
- keep the person's day within the daily cap (rule ``attendance.daily_cap_hours``, 8 学时): all their 面授 entries
  of that day, in every class, plus the online study credited that day (``training_study_credits``), in 学时.

What "overlap with online credit" means here. The online ledger keeps seconds per person, lesson and local day,
not clock times, and an entry has a date and minutes (a session label such as 上午, no times). So whether an hour
in a classroom coincided with an hour online cannot be decided from the records; what can be decided is that one
day never holds more training than one person can attend in a day. The cap is therefore one budget per person and
day, counted in 学时 (1 学时 = 45 min 面授 or 30 min online, ``period.minutes.*``): an entry whose minutes would
take 面授 + online 学时 of that day past the cap is refused — as overlapping the online study when the 面授 alone
would have fitted, as over the cap otherwise. The budget is kept on one counter row per person and day
(:class:`AttendanceDay`) moved by a conditional ``UPDATE … WHERE minutes + :m <= :allowed``, so two entries racing
for the same day (two classes, two organisers, two tabs) cannot both take the last hours. Online study credited
*after* an entry meets the same budget from the other side: a heartbeat credits at most what the day has left
(``app.training.crediting.online_room``, read by ``app.training.study``) and tells the page ``daily_cap``.

Who and why: every entry keeps the user who recorded it and a reason (a sheet import: the import's reason and the
sheet's sha256). On the day itself the organiser records, changes and withdraws entries alone. Once the day is
over, each of those is a correction (:class:`AttendanceCorrection`): requested by the organiser, applied only when
a second person approves it — the organiser's 负责人 or the supervising regulator (``app.auth.policy``) — by one
conditional ``UPDATE … WHERE state = 'pending'``; the rules above are checked again when it is applied. Each step is
in the person's 一人一档. Functions flush; the view commits (or rolls everything back on a refusal).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from app.archive.services import record_event
from app.auth.policy import may_approve_correction
from app.core.clock import to_local, utcnow, zone_named
from app.core.db import conditional_update, insert_on_conflict
from app.core.errors import DomainError
from app.extensions import db
from app.people.zones import region_time_zone
from app.rules.queries import rule_value
from app.training import hours
from app.training import messages as _messages  # noqa: F401  (registers the training codes)
from app.training.classes import class_facts, is_enrolled, refresh_completions
from app.training.models import (
    Attendance,
    AttendanceCorrection,
    AttendanceDay,
    ClassMode,
    CorrectionKind,
    CorrectionState,
    HeldCredit,
    StudyCredit,
    TrainingClass,
)

#: The most one entry may hold (a long day's sessions are several entries); the daily cap is usually lower.
MAX_ENTRY_MINUTES = 600
SOURCES = ("manual", "sheet")


def class_today(training_class: TrainingClass, now: datetime | None = None) -> date:
    """Today in the class's region (its jurisdiction's zone), whose dates the class's dates are."""
    zone = zone_named(region_time_zone(training_class.region_code))
    return to_local(now or utcnow(), zone).date()


# ---------------------------------------------------------------- the daily budget


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


def _budget_refusal(budget: DayBudget, minutes: int) -> DomainError:
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


def _take(person_id: int, day: date, minutes: int, *, region_code: str) -> None:
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
        raise _budget_refusal(day_budget(person_id, day, region_code=region_code), minutes)


def _give_back(person_id: int, day: date, minutes: int) -> None:
    db.session.execute(
        conditional_update(AttendanceDay)
        .where(AttendanceDay.person_id == person_id, AttendanceDay.day == day)
        .values(minutes=AttendanceDay.minutes - minutes)
    )


# ---------------------------------------------------------------- the rules of an entry


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


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("attendance.reason", http_status=400)
    return reason[:200]


def _facts(training_class: TrainingClass, **more) -> dict:
    return class_facts(training_class) | more


# ---------------------------------------------------------------- recording (on the day, or an approved correction)


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
    reason = _reason(reason)
    check_entry(training_class, person_id, session_date, minutes, now=now)
    if correction is None and is_after_the_day(training_class, session_date, now):
        raise DomainError("attendance.after_day", date=session_date.isoformat())
    label = (session_label or "").strip()[:40]
    _take(person_id, session_date, minutes, region_code=training_class.region_code)
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
        _facts(
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

    :raises DomainError: ``attendance.after_day``, ``attendance.reason``, and the rules of :func:`check_entry` and
        the daily cap for a longer entry.
    """
    now = now or utcnow()
    reason = _reason(reason)
    training_class = db.session.get(TrainingClass, attendance.class_id)
    if correction is None and is_after_the_day(training_class, attendance.session_date, now):
        raise DomainError("attendance.after_day", date=attendance.session_date.isoformat())
    old = attendance.minutes
    if minutes:
        check_entry(training_class, attendance.person_id, attendance.session_date, minutes, now=now)
    elif old <= 0:
        raise DomainError("attendance.minutes", http_status=400)
    if minutes > old:
        _take(attendance.person_id, attendance.session_date, minutes - old, region_code=training_class.region_code)
    elif minutes < old:
        _give_back(attendance.person_id, attendance.session_date, old - minutes)
    facts = _facts(
        training_class,
        date=attendance.session_date.isoformat(),
        session=attendance.session_label,
        minutes=minutes,
        old_minutes=old,
        reason=reason,
        **({"correction": correction.id} if correction is not None else {}),
    )
    person_id = attendance.person_id
    if minutes:
        attendance.minutes = minutes
        attendance.reason = reason
        if correction is not None:
            attendance.correction_id = correction.id
        kind, kept = "training.attendance_changed", attendance
    else:
        db.session.delete(attendance)
        kind, kept = "training.attendance_withdrawn", None
    db.session.flush()
    record_event(person_id, kind, facts, actor=actor, enterprise_id=training_class.enterprise_id, at=now)
    if kept is not None:
        refresh_completions(training_class, actor=actor, person_id=person_id, now=now)
    return kept


# ---------------------------------------------------------------- corrections after the day (a second person)


def request_correction(
    training_class: TrainingClass,
    person_id: int,
    *,
    actor,
    reason: str,
    session_date: date | None = None,
    minutes: int = 0,
    session_label: str = "",
    attendance: Attendance | None = None,
    source: str = "manual",
    sheet_sha256: str = "",
    now: datetime | None = None,
) -> AttendanceCorrection:
    """Ask for a correction of a day already over: a new entry (``session_date``, ``minutes``), or a change of
    ``attendance`` to ``minutes`` (0 withdraws it). Checked now as it would be applied (dates, not in the future,
    the daily cap as the day stands), applied by :func:`approve`. The file gets ``attendance.correction_requested``.

    :raises DomainError: ``attendance.not_after_day`` (on the day itself the organiser records it directly),
        ``attendance.reason``, ``correction.unchanged``, and the rules of :func:`check_entry` and the daily cap.
    """
    now = now or utcnow()
    reason = _reason(reason)
    if attendance is not None:
        session_date, session_label, old = attendance.session_date, attendance.session_label, attendance.minutes
        kind = CorrectionKind.WITHDRAW if minutes == 0 else CorrectionKind.CHANGE
        if minutes == old:
            raise DomainError("correction.unchanged")
    else:
        old, kind = 0, CorrectionKind.ADD
    if session_date is None:
        raise DomainError("attendance.minutes", http_status=400)
    if not is_after_the_day(training_class, session_date, now):
        raise DomainError("attendance.not_after_day")
    if minutes:
        check_entry(training_class, person_id, session_date, minutes, now=now)
        budget = day_budget(person_id, session_date, region_code=training_class.region_code)
        if minutes - old > budget.left_minutes:
            raise _budget_refusal(budget, minutes - old)
    if kind is CorrectionKind.ADD:
        label = (session_label or "").strip()[:40]
        duplicate = db.session.scalar(
            sa.select(Attendance.id).where(
                Attendance.class_id == training_class.id,
                Attendance.person_id == person_id,
                Attendance.session_date == session_date,
                Attendance.session_label == label,
            )
        )
        if duplicate is not None:
            raise DomainError("attendance.duplicate")
    correction = AttendanceCorrection(
        class_id=training_class.id,
        person_id=person_id,
        kind=kind,
        attendance_id=attendance.id if attendance is not None else None,
        session_date=session_date,
        session_label=(session_label or "").strip()[:40],
        minutes=minutes,
        old_minutes=old,
        source=source,
        sheet_sha256=sheet_sha256,
        reason=reason,
        state=CorrectionState.PENDING,
        requested_by_id=actor.id,
        requested_at=now,
        decision_note="",
    )
    db.session.add(correction)
    db.session.flush()
    record_event(
        person_id,
        "attendance.correction_requested",
        _correction_facts(training_class, correction),
        actor=actor,
        enterprise_id=training_class.enterprise_id,
        at=now,
    )
    return correction


def _correction_facts(training_class: TrainingClass, correction: AttendanceCorrection, **more) -> dict:
    return _facts(
        training_class,
        correction=correction.id,
        change=correction.kind.value,
        date=correction.session_date.isoformat(),
        session=correction.session_label,
        minutes=correction.minutes,
        old_minutes=correction.old_minutes,
        reason=correction.reason,
        **more,
    )


def _decide(correction: AttendanceCorrection, state: CorrectionState, *, actor, note: str, now: datetime) -> None:
    """Move a pending correction to ``state`` once, never by the one who asked for it (the race's loser, and a
    correction decided already, get ``correction.decided``)."""
    training_class = db.session.get(TrainingClass, correction.class_id)
    if not may_approve_correction(actor, training_class, requested_by_id=correction.requested_by_id):
        raise DomainError("correction.not_approver", http_status=403)
    won = db.session.execute(
        conditional_update(AttendanceCorrection)
        .where(
            AttendanceCorrection.id == correction.id,
            AttendanceCorrection.state == CorrectionState.PENDING,
            AttendanceCorrection.requested_by_id != actor.id,
        )
        .values(state=state, decided_by_id=actor.id, decided_at=now, decision_note=note[:200])
        .returning(AttendanceCorrection.id)
    ).first()
    if won is None:
        raise DomainError("correction.decided")
    db.session.refresh(correction)


def approve(correction: AttendanceCorrection, *, actor, note: str = "", now: datetime | None = None) -> None:
    """The second person approves: the correction is applied (the rules checked again, as of now), or nothing
    changes at all (the caller rolls back on the refusal). The file gets ``attendance.correction_approved`` and
    the entry's own event.

    :raises DomainError: ``correction.not_approver`` (403), ``correction.decided``, ``correction.gone`` (the entry
        it changes was withdrawn meanwhile), and the rules of :func:`record` / :func:`change`.
    """
    now = now or utcnow()
    note = (note or "").strip()
    _decide(correction, CorrectionState.APPROVED, actor=actor, note=note, now=now)
    training_class = db.session.get(TrainingClass, correction.class_id)
    requester = correction.requested_by
    record_event(
        correction.person_id,
        "attendance.correction_approved",
        _correction_facts(training_class, correction, note=note),
        actor=actor,
        enterprise_id=training_class.enterprise_id,
        at=now,
    )
    if correction.kind is CorrectionKind.ADD:
        entry = record(
            training_class,
            correction.person_id,
            session_date=correction.session_date,
            session_label=correction.session_label,
            minutes=correction.minutes,
            actor=requester,
            reason=correction.reason,
            source=correction.source,
            sheet_sha256=correction.sheet_sha256,
            now=now,
            correction=correction,
        )
        correction.attendance_id = entry.id
        db.session.flush()
        return
    attendance = db.session.get(Attendance, correction.attendance_id or -1)
    if attendance is None or attendance.minutes != correction.old_minutes:
        raise DomainError("correction.gone")
    change(
        attendance,
        minutes=correction.minutes,
        actor=requester,
        reason=correction.reason,
        now=now,
        correction=correction,
    )


def reject(correction: AttendanceCorrection, *, actor, note: str, now: datetime | None = None) -> None:
    """The second person refuses, with a note; nothing else changes. The file gets ``attendance.correction_rejected``.

    :raises DomainError: ``correction.note`` without a note, ``correction.not_approver``, ``correction.decided``.
    """
    now = now or utcnow()
    note = (note or "").strip()
    if not note:
        raise DomainError("correction.note", http_status=400)
    _decide(correction, CorrectionState.REJECTED, actor=actor, note=note, now=now)
    training_class = db.session.get(TrainingClass, correction.class_id)
    record_event(
        correction.person_id,
        "attendance.correction_rejected",
        _correction_facts(training_class, correction, note=note),
        actor=actor,
        enterprise_id=training_class.enterprise_id,
        at=now,
    )


# ---------------------------------------------------------------- one entry point for the forms


def enter(
    training_class: TrainingClass,
    person_id: int,
    *,
    session_date: date,
    minutes: int,
    actor,
    reason: str,
    session_label: str = "",
    now: datetime | None = None,
) -> Attendance | AttendanceCorrection:
    """A manual entry from the attendance form: recorded on its day, a correction request after it."""
    now = now or utcnow()
    if is_after_the_day(training_class, session_date, now):
        return request_correction(
            training_class,
            person_id,
            session_date=session_date,
            minutes=minutes,
            session_label=session_label,
            actor=actor,
            reason=reason,
            now=now,
        )
    return record(
        training_class,
        person_id,
        session_date=session_date,
        minutes=minutes,
        session_label=session_label,
        actor=actor,
        reason=reason,
        now=now,
    )


def correct(
    attendance: Attendance, *, minutes: int, actor, reason: str, now: datetime | None = None
) -> Attendance | AttendanceCorrection | None:
    """A change (``minutes`` > 0) or withdrawal (0) of an entry: done on its day, a correction request after it."""
    now = now or utcnow()
    training_class = db.session.get(TrainingClass, attendance.class_id)
    if is_after_the_day(training_class, attendance.session_date, now):
        return request_correction(
            training_class,
            attendance.person_id,
            attendance=attendance,
            minutes=minutes,
            actor=actor,
            reason=reason,
            now=now,
        )
    return change(attendance, minutes=minutes, actor=actor, reason=reason, now=now)


# ---------------------------------------------------------------- reads


def entries(training_class: TrainingClass, person_filter=None) -> list[Attendance]:
    """The class's entries (of the persons ``person_filter`` lets through, a condition on ``Attendance``), by day."""
    return db.session.scalars(
        sa.select(Attendance)
        .where(Attendance.class_id == training_class.id, person_filter if person_filter is not None else sa.true())
        .order_by(Attendance.session_date.desc(), Attendance.session_label, Attendance.person_id)
    ).all()


def corrections_of(training_class: TrainingClass, person_filter=None) -> list[AttendanceCorrection]:
    """The class's corrections, pending ones first, newest first."""
    pending_first = sa.case((AttendanceCorrection.state == CorrectionState.PENDING, 0), else_=1)
    return db.session.scalars(
        sa.select(AttendanceCorrection)
        .where(
            AttendanceCorrection.class_id == training_class.id,
            person_filter if person_filter is not None else sa.true(),
        )
        .order_by(pending_first, AttendanceCorrection.requested_at.desc(), AttendanceCorrection.id.desc())
    ).all()
