"""Class (班次) pages for organisers and overseers: the list, opening a class, a class's page with its roster's
progress, opening the class exam, and 一期一档 (the class as a workbook). Thin: load in scope, ask the policy, call
``app.training.classes``, commit, redirect."""

from __future__ import annotations

import io
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from openpyxl import Workbook

from app.auth.access import roles_required
from app.auth.policy import training as training_policy
from app.auth.policy.snapshots import may_see_snapshots
from app.auth.scope import STAFF
from app.bank import scope as bank_scope
from app.core.clock import local_today, to_local, to_utc, utcnow
from app.core.errors import DomainError
from app.core.forms import choices
from app.extensions import db
from app.people.models import SnapshotContext
from app.people.snapshots import reading as snapshot_reading
from app.training import bp, classes, held
from app.training import scope as training_scope
from app.training.forms import ClassExamForm, ClassForm
from app.training.models import ClassMode, Course, TrainingClass, TrainingType

BUILDERS = training_policy.TRAINING_BUILDERS


@bp.route("/classes")
@roles_required(*STAFF)
def class_list():
    items = db.session.scalars(
        training_scope.classes_query(current_user).order_by(TrainingClass.starts_on.desc(), TrainingClass.id.desc())
    ).all()
    return render_template(
        "training/classes.html", classes=items, can_open=training_policy.may_build_training(current_user)
    )


@bp.route("/classes/new", methods=["GET", "POST"])
@roles_required(*BUILDERS)
def class_new():
    form = ClassForm()
    usable = db.session.scalars(training_scope.courses_query(current_user).order_by(Course.title)).all()
    form.course_id.choices = choices((c.id, f"{c.title} v{c.version}") for c in usable)
    templates = db.session.scalars(bank_scope.active_templates_query(current_user).order_by("name")).all()
    form.exam_template_id.choices = [(0, _("（暂不设置）"))] + [(t.id, t.name) for t in templates]
    if request.method == "GET":
        form.starts_on.data = local_today()
        form.ends_on.data = local_today() + timedelta(days=30)
    if form.validate_on_submit():
        course = next((c for c in usable if c.id == form.course_id.data), None)
        template = next((t for t in templates if t.id == form.exam_template_id.data), None)
        if course is None:
            abort(404)
        try:
            training_class = classes.create_class(
                course=course,
                title=form.title.data,
                mode=ClassMode(form.mode.data),
                training_type=TrainingType(form.training_type.data),
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                required_hours=float(form.required_hours.data),
                exam_template=template,
                actor=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            class_id = training_class.id
            db.session.commit()
            return redirect(url_for("training.class_page", class_id=class_id))
    return render_template("training/class_form.html", form=form)


@bp.route("/classes/<int:class_id>")
@roles_required(*STAFF)
def class_page(class_id: int):
    training_class = training_scope.get_class_or_404(current_user, class_id)
    caps = training_policy.class_page(current_user, training_class)
    rows = classes.progress(training_class, training_scope.roster_person_filter(current_user, training_class))
    show_snapshots = may_see_snapshots(current_user, training_class, person_in_scope=False)
    exam_form = ClassExamForm(prefix="exam")
    start_at = to_local(utcnow() + timedelta(hours=1)).replace(tzinfo=None, second=0, microsecond=0)
    exam_form.opens_at.data, exam_form.closes_at.data = start_at, start_at + timedelta(hours=2)
    return render_template(
        "training/class.html",
        training_class=training_class,
        rows=rows,
        caps=caps,
        exam_form=exam_form,
        show_snapshots=show_snapshots,
        snapshot_counts=snapshot_reading.review_counts(SnapshotContext.LESSON, class_id) if show_snapshots else {},
        snapshot_consents=snapshot_reading.consents_in(SnapshotContext.LESSON, class_id) if show_snapshots else {},
        held_seconds=held.held_by_person(class_id),
    )


@bp.route("/classes/<int:class_id>/exam", methods=["POST"])
@roles_required(*STAFF)
def class_exam(class_id: int):
    training_class = training_scope.get_class_or_404(current_user, class_id)
    if not training_scope.can_organise(current_user, training_class):
        abort(403)
    form = ClassExamForm(prefix="exam")
    if form.validate_on_submit():
        try:
            sitting = classes.open_class_exam(
                training_class,
                opens_at=to_utc(form.opens_at.data),
                closes_at=to_utc(form.closes_at.data),
                duration_minutes=form.duration_minutes.data,
                actor=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            sitting_id = sitting.id
            db.session.commit()
            return redirect(url_for("exams.sitting", sitting_id=sitting_id))
    return redirect(url_for("training.class_page", class_id=class_id))


@bp.route("/classes/<int:class_id>/export.xlsx")
@roles_required(*STAFF)
def class_export(class_id: int):
    """一期一档: the class, its roster with hours and exam result."""
    training_class = training_scope.get_class_or_404(current_user, class_id)
    rows = classes.progress(training_class, training_scope.roster_person_filter(current_user, training_class))
    book = Workbook()
    sheet = book.active
    sheet.title = _("学员")
    sheet.append(
        [_("班次"), training_class.title, _("课程"), f"{training_class.course.title} v{training_class.course.version}"]
    )
    sheet.append(
        [_("姓名"), _("网络学习（分钟）"), _("面授（分钟）"), _("学时"), _("要求学时"), _("班次考试"), _("结业")]
    )
    for r in rows:
        exam = {True: _("合格"), False: _("不合格"), None: _("未考")}[r.exam_passed]
        done = to_local(r.enrolment.completed_at).strftime("%Y-%m-%d") if r.enrolment.completed_at else ""
        sheet.append([r.person.name, r.online_seconds // 60, r.offline_minutes, r.hours, r.required, exam, done])
    names = {r.person.id: r.person.name for r in rows}
    attendance = book.create_sheet(_("面授考勤"))
    columns = [_("姓名"), _("日期"), _("场次"), _("时长（分钟）"), _("来源"), _("补录原因")]
    attendance.append([*columns, _("记录人"), _("记录时间"), _("更正申请"), _("签到表 SHA-256")])
    for a in classes.attendance_of(training_class, names):
        source = _("签到表导入") if a.source == "sheet" else _("手工补录")
        who = [a.recorded_by.label if a.recorded_by else "", to_local(a.recorded_at).strftime("%Y-%m-%d %H:%M")]
        evidence = [f"#{a.correction_id}" if a.correction_id else "", a.sheet_sha256]
        attendance.append(
            [names[a.person_id], a.session_date, a.session_label, a.minutes, source, a.reason, *who, *evidence]
        )
    ledger = book.create_sheet(_("网络学习明细"))
    ledger.append([_("姓名"), _("日期"), _("课时"), _("学习时长（秒）")])
    for person_id, day, lesson_title, seconds in classes.study_ledger(training_class, names):
        ledger.append([names[person_id], day, lesson_title, seconds])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return send_file(out, as_attachment=True, download_name=f"class-{training_class.id}.xlsx")
