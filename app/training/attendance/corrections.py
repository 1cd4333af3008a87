"""Corrections of a day already over: requested by the organiser, applied only when a second person approves
it (the organiser's 负责人 or the supervising regulator, ``app.auth.policy``) by one conditional
``UPDATE … WHERE state = 'pending'``; the entry rules are checked again when it is applied. Also the forms' single
entry point, which records on the day and requests a correction after it."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from app.archive.services import record_event
from app.auth.policy.training import may_approve_correction
from app.core.clock import utcnow
from app.core.db import conditional_update
from app.core.errors import DomainError
from app.extensions import db
from app.training.attendance.daily_budget import budget_refusal, day_budget
from app.training.attendance.entry_rules import check_entry, entry_facts, entry_reason, is_after_the_day
from app.training.attendance.recording import change, record
from app.training.models import Attendance, AttendanceCorrection, CorrectionKind, CorrectionState, TrainingClass


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
    reason = entry_reason(reason)
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
            raise budget_refusal(budget, minutes - old)
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
    return entry_facts(
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
    if attendance is None:
        raise DomainError("correction.gone")
    # Whether the entry still holds ``old_minutes`` is decided by change()'s conditional statement, not by what
    # this session loaded (a second approval at once would pass a check in Python).
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
    write = request_correction if is_after_the_day(training_class, session_date, now) else record
    return write(
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
