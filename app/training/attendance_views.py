"""面授 attendance pages: a class's entries with the forms that record them (manual, sign-in sheet), corrections
after the day and their approval by a second person, and the class's setting for sitting the class exam before the
hours are complete. Thin: load in scope, ask the policy, call ``app.training.attendance``, commit, redirect."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.policy.training import may_approve_correction
from app.core.clock import utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.training import classes, sign_in
from app.training import scope as training_scope
from app.training.attendance import corrections as attendance_corrections
from app.training.attendance import daily_budget, entry_rules, recording
from app.training.forms import (
    AttendanceForm,
    CorrectAttendanceForm,
    DecisionForm,
    ExamEarlyForm,
    SignInSheetForm,
)
from app.training.models import AttendanceCorrection, ClassMode, CorrectionState

bp = Blueprint("attendance", __name__)

STAFF = (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.INSTITUTION)


def _organised_class_or_403(class_id: int):
    training_class = training_scope.get_class_or_404(current_user, class_id)
    if not training_scope.can_organise(current_user, training_class):
        abort(403)
    return training_class


def _back(class_id: int):
    return redirect(url_for("attendance.class_attendance", class_id=class_id))


@bp.route("/classes/<int:class_id>/attendance")
@roles_required(*STAFF)
def class_attendance(class_id: int):
    training_class = training_scope.get_class_or_404(current_user, class_id)
    organise = training_scope.can_organise(current_user, training_class)
    roster = training_scope.roster_person_filter(current_user, training_class)
    rows = classes.progress(training_class, roster)
    names = {r.person.id: r.person.name for r in rows}
    entries = [e for e in recording.entries(training_class) if e.person_id in names]
    corrections = [c for c in attendance_corrections.corrections_of(training_class) if c.person_id in names]
    form = AttendanceForm(prefix="att")
    form.person_id.choices = [(r.person.id, r.person.name) for r in rows]
    early = ExamEarlyForm(prefix="early")
    early.allow.data = training_class.exam_before_hours
    early.reason.data = training_class.exam_before_hours_reason
    return render_template(
        "training/attendance.html",
        training_class=training_class,
        names=names,
        entries=entries,
        corrections=corrections,
        can_organise=organise,
        offline=training_class.mode is not ClassMode.ONLINE,
        today=(today := entry_rules.class_today(training_class, utcnow())),
        cap_hours=daily_budget.daily_cap_hours(training_class, today),
        may_approve={
            c.id: may_approve_correction(current_user, training_class, requested_by_id=c.requested_by_id)
            for c in corrections
            if c.state is CorrectionState.PENDING
        },
        form=form,
        sheet_form=SignInSheetForm(prefix="sheet"),
        correct_form=CorrectAttendanceForm(prefix="fix"),
        decision_form=DecisionForm(prefix="decide"),
        early_form=early,
    )


@bp.route("/classes/<int:class_id>/attendance/entries", methods=["POST"])
@roles_required(*STAFF)
def record_entry(class_id: int):
    """A manual entry: recorded on its day; for a day already over, a correction request for a second person."""
    training_class = _organised_class_or_403(class_id)
    form = AttendanceForm(prefix="att")
    form.person_id.choices = [(r.person.id, r.person.name) for r in classes.progress(training_class)]
    if not form.validate_on_submit():
        flash("；".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return _back(class_id)
    try:
        outcome = attendance_corrections.enter(
            training_class,
            form.person_id.data,
            session_date=form.session_date.data,
            session_label=form.session_label.data or "",
            minutes=form.minutes.data,
            reason=form.reason.data,
            actor=current_user,
            now=utcnow(),
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        requested = isinstance(outcome, AttendanceCorrection)
        db.session.commit()
        if requested:
            flash(_("该日期已经过去：已提交更正申请，待负责人或监管部门批准后计入。"), "success")
        else:
            flash(_("已记录考勤。"), "success")
    return _back(class_id)


@bp.route("/classes/<int:class_id>/attendance/sheet", methods=["POST"])
@roles_required(*STAFF)
def import_sheet(class_id: int):
    training_class = _organised_class_or_403(class_id)
    form = SignInSheetForm(prefix="sheet")
    if not form.validate_on_submit() or not form.file.data:
        errors = [str(e) for errors in form.errors.values() for e in errors] or [_("请选择签到表文件。")]
        flash("；".join(errors), "error")
        return _back(class_id)
    upload = form.file.data
    try:
        result = sign_in.import_sheet(
            training_class,
            upload.read(),
            filename=upload.filename or "sheet.xlsx",
            reason=form.reason.data,
            actor=current_user,
            now=utcnow(),
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(
            _(
                "已导入 %(n)s 条考勤；%(m)s 条属于已经过去的日期，已提交更正申请待审批。",
                n=result.recorded,
                m=result.requested,
            ),
            "success",
        )
    return _back(class_id)


@bp.route("/attendance/<int:attendance_id>/correct", methods=["POST"])
@roles_required(*STAFF)
def correct_entry(attendance_id: int):
    """Change an entry's minutes (0 withdraws it): on its day at once, after it as a correction request."""
    entry = training_scope.attendance_or_404(current_user, attendance_id)
    class_id = entry.class_id
    _organised_class_or_403(class_id)
    form = CorrectAttendanceForm(prefix="fix")
    if not form.validate_on_submit():
        flash("；".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return _back(class_id)
    try:
        outcome = attendance_corrections.correct(
            entry, minutes=form.minutes.data, reason=form.reason.data, actor=current_user, now=utcnow()
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        requested = isinstance(outcome, AttendanceCorrection)
        db.session.commit()
        flash(_("已提交更正申请，待负责人或监管部门批准。") if requested else _("已更正考勤。"), "success")
    return _back(class_id)


def _decide(correction_id: int, approve: bool):
    correction = training_scope.get_correction_or_404(current_user, correction_id)
    class_id = correction.class_id
    training_class = training_scope.get_class_or_404(current_user, class_id)
    if not may_approve_correction(current_user, training_class, requested_by_id=correction.requested_by_id):
        abort(403)
    form = DecisionForm(prefix="decide")
    if not form.validate_on_submit():
        abort(400)
    try:
        if approve:
            attendance_corrections.approve(correction, actor=current_user, note=form.note.data or "", now=utcnow())
        else:
            attendance_corrections.reject(correction, actor=current_user, note=form.note.data or "", now=utcnow())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已批准更正，考勤已按申请更正。") if approve else _("已驳回更正申请。"), "success")
    if request.form.get("back") == "inbox":
        return redirect(url_for("attendance.corrections"))
    return _back(class_id)


@bp.route("/corrections/<int:correction_id>/approve", methods=["POST"])
@roles_required(*STAFF)
def approve_correction(correction_id: int):
    return _decide(correction_id, approve=True)


@bp.route("/corrections/<int:correction_id>/reject", methods=["POST"])
@roles_required(*STAFF)
def reject_correction(correction_id: int):
    return _decide(correction_id, approve=False)


@bp.route("/corrections")
@roles_required(*STAFF)
def corrections():
    """Corrections in the user's scope: those waiting for it to decide first, then its own requests and the rest."""
    rows = db.session.scalars(
        training_scope.corrections_query(current_user)
        .order_by(AttendanceCorrection.requested_at.desc(), AttendanceCorrection.id.desc())
        .limit(300)
    ).all()
    waiting = [
        c
        for c in rows
        if c.state is CorrectionState.PENDING
        and may_approve_correction(current_user, c.training_class, requested_by_id=c.requested_by_id)
    ]
    others = [c for c in rows if c not in waiting]
    return render_template(
        "training/corrections.html", waiting=waiting, others=others, decision_form=DecisionForm(prefix="decide")
    )


@bp.route("/classes/<int:class_id>/exam-early", methods=["POST"])
@roles_required(*STAFF)
def exam_early(class_id: int):
    """The class's setting: trainees may sit the class exam before their hours are complete (with a reason)."""
    training_class = _organised_class_or_403(class_id)
    form = ExamEarlyForm(prefix="early")
    if not form.validate_on_submit():
        abort(400)
    try:
        classes.set_exam_before_hours(
            training_class, bool(form.allow.data), reason=form.reason.data or "", actor=current_user, now=utcnow()
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已保存班次考试的设置。"), "success")
    return _back(class_id)
