"""Training pages: courses and lessons, classes (班次) and their roster, attendance and exam, the learner's classes
and lesson page with its heartbeat API, lesson files, and the enterprise's hours ledger. Thin: load in scope, call
a service, commit, redirect."""

from __future__ import annotations

import io
import json
import math
from dataclasses import replace
from datetime import timedelta

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from openpyxl import Workbook

from app.auth import policy
from app.auth.access import lean_connection, roles_required, signed_in_as
from app.auth.models import Role
from app.auth.policy import may_review_snapshots, may_see_own_snapshots, may_see_snapshots
from app.bank import scope as bank_scope
from app.core.clock import local_today, to_local, to_utc, utcnow
from app.core.errors import DomainError, json_error, json_object
from app.core.forms import choices
from app.core.storage import send_stored
from app.extensions import db
from app.people import snapshots
from app.people.access_views import record_access
from app.people.models import AccessKind, Post, SnapshotContext
from app.people.scope import reaches_person, sees_full_record, visible_enterprise_ids
from app.people.snapshot_views import review_from_form
from app.training import bp, classes, courses, files, held, hours, study
from app.training import scope as training_scope
from app.training.crediting import Heartbeat
from app.training.forms import ClassExamForm, ClassForm, CourseForm, LessonForm
from app.training.models import ClassMode, Course, Enrolment, LessonKind, TrainingClass, TrainingType

STAFF = (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.INSTITUTION)
BUILDERS = policy.TRAINING_BUILDERS


# ---------------------------------------------------------------- courses


@bp.route("/courses", methods=["GET", "POST"])
@roles_required(*STAFF)
def course_list():
    form = CourseForm()
    if policy.may_build_training(current_user) and form.validate_on_submit():
        course = courses.create_course(
            title=form.title.data,
            training_type=TrainingType(form.training_type.data),
            posts=form.posts.data,
            operation_code=(form.operation_code.data or "").strip(),
            description=form.description.data or "",
            actor=current_user,
        )
        course_id = course.id
        db.session.commit()
        return redirect(url_for("training.course_page", course_id=course_id))
    items = db.session.scalars(
        training_scope.courses_query(current_user).order_by(Course.family_id, Course.version.desc())
    ).all()
    return render_template(
        "training/courses.html", courses=items, form=form, can_build=policy.may_build_training(current_user)
    )


@bp.route("/courses/<int:course_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def course_page(course_id: int):
    course = training_scope.get_course_or_404(current_user, course_id)
    manage = training_scope.can_manage_course(current_user, course)
    if manage and request.method == "POST":  # a lesson video may be far larger than the app-wide upload limit
        request.max_content_length = files.max_bytes(LessonKind.VIDEO) + 1024 * 1024
    form = LessonForm()
    if request.method == "POST":
        if not manage:
            abort(403)
        if form.validate_on_submit():
            upload = form.file.data
            try:
                courses.add_lesson(
                    course,
                    title=form.title.data,
                    kind=LessonKind(form.kind.data),
                    duration_minutes=float(form.duration_minutes.data) if form.duration_minutes.data else None,
                    body=form.body.data or "",
                    upload=courses.Upload(upload.filename or "", upload.read()) if upload else None,
                )
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
            else:
                db.session.commit()
                flash(_("已添加课时。"), "success")
                return redirect(url_for("training.course_page", course_id=course_id))
    return render_template("training/course.html", course=course, form=form, can_manage=manage)


@bp.route("/courses/<int:course_id>/version", methods=["POST"])
@roles_required(*BUILDERS)
def course_new_version(course_id: int):
    course = training_scope.get_course_or_404(current_user, course_id)
    if not training_scope.can_manage_course(current_user, course):
        abort(403)
    copy_id = courses.new_version(course, actor=current_user).id
    db.session.commit()
    flash(_("已复制为新版本，可继续编辑。"), "success")
    return redirect(url_for("training.course_page", course_id=copy_id))


@bp.route("/lessons/<int:lesson_id>/remove", methods=["POST"])
@roles_required(*BUILDERS)
def lesson_remove(lesson_id: int):
    """Take a lesson out of a course version no class uses yet (a frozen version is copied instead)."""
    lesson = training_scope.lesson_or_404(lesson_id)
    course = training_scope.get_course_or_404(current_user, lesson.course_id)
    if not training_scope.can_manage_course(current_user, course):
        abort(403)
    try:
        courses.remove_lesson(lesson)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已删除课时“%(title)s”。", title=lesson.title), "success")
    return redirect(url_for("training.course_page", course_id=course.id))


@bp.route("/lessons/<int:lesson_id>/file")
@roles_required(*STAFF, Role.WORKER)
def lesson_file(lesson_id: int):
    """The lesson's file, after the policy check; Range requests are answered (video seeking, PDF pages)."""
    lesson = training_scope.lesson_or_404(lesson_id)
    if not lesson.file_key or not training_scope.may_read_lesson_file(current_user, lesson):
        abort(404)
    response = send_stored(lesson.file_key, content_type=lesson.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- classes (organisers)


@bp.route("/classes")
@roles_required(*STAFF)
def class_list():
    items = db.session.scalars(
        training_scope.classes_query(current_user).order_by(TrainingClass.starts_on.desc(), TrainingClass.id.desc())
    ).all()
    return render_template("training/classes.html", classes=items, can_open=policy.may_build_training(current_user))


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
    caps = policy.class_page(current_user, training_class)
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
        snapshot_counts=snapshots.review_counts(SnapshotContext.LESSON, class_id) if show_snapshots else {},
        snapshot_consents=snapshots.consents_in(SnapshotContext.LESSON, class_id) if show_snapshots else {},
        held_seconds=held.held_by_person(class_id),
    )


# ---------------------------------------------------------------- 人像抓拍 (organisers, regulators)


def _member_for_snapshots(class_id: int, person_id: int, *, review: bool = False):
    """The class, one of its trainees, and whether the user may review (复核) that trainee's snapshots, if the user
    may see them (404 out of scope, 403 when the class is in scope but its snapshots are not the user's to see — or,
    with ``review``, not the user's to review)."""
    training_class = training_scope.get_class_or_404(current_user, class_id)
    person = training_scope.class_member_or_404(current_user, training_class, person_id)
    in_scope = reaches_person(current_user, person.id)
    if not may_see_snapshots(current_user, training_class, person_in_scope=in_scope):
        abort(403)
    may_review = may_review_snapshots(current_user, training_class, person_in_scope=in_scope)
    if review and not may_review:
        abort(403)
    return training_class, person, may_review


@bp.route("/classes/<int:class_id>/members/<int:person_id>/snapshots")
@roles_required(*STAFF)
def member_snapshots(class_id: int, person_id: int):
    """One trainee's snapshots in a class, beside the registered photo; flagged ones marked, with the 复核 form."""
    training_class, person, may_review = _member_for_snapshots(class_id, person_id)
    shots = snapshots.snapshots_of(person.id, SnapshotContext.LESSON, [training_class.id])
    lessons = {lesson.id: lesson.title for lesson in training_class.course.lessons}
    return render_template(
        "training/snapshots.html",
        training_class=training_class,
        person=person,
        snapshots=shots,
        lessons=lessons,
        consent=snapshots.consent_of(person.id, SnapshotContext.LESSON, training_class.id),
        may_review=may_review,
        held_seconds=held.held_by_snapshot([s.id for s in shots]),
    )


@bp.route("/classes/<int:class_id>/snapshots/<int:snapshot_id>/review", methods=["POST"])
@roles_required(*STAFF)
def snapshot_review(class_id: int, snapshot_id: int):
    """复核 of a flagged snapshot: 确认本人 or 非本人 (with a note); back to the trainee's snapshots."""
    snapshot = snapshots.snapshot_in(snapshot_id, SnapshotContext.LESSON, class_id)
    if snapshot is None:
        abort(404)
    person_id = snapshot.person_id
    _member_for_snapshots(class_id, person_id, review=True)
    review_from_form(snapshot)
    return redirect(url_for("training.member_snapshots", class_id=class_id, person_id=person_id))


@bp.route("/classes/<int:class_id>/members/<int:person_id>/photo")
@roles_required(*STAFF)
def member_photo(class_id: int, person_id: int):
    """The trainee's registered photo, for comparing with the snapshots (same check as the snapshots)."""
    _class, person, _may = _member_for_snapshots(class_id, person_id)
    if not person.photo_key or not sees_full_record(current_user, person.id):  # not a pending employer
        abort(404)
    record_access(current_user, person.id, AccessKind.PHOTO)
    return send_stored(person.photo_key, content_type="image/jpeg")


@bp.route("/classes/<int:class_id>/snapshots/<int:snapshot_id>")
@roles_required(*STAFF)
def snapshot_file(class_id: int, snapshot_id: int):
    """One snapshot's JPEG, after the policy check (there is no other way to it)."""
    snapshot = snapshots.snapshot_in(snapshot_id, SnapshotContext.LESSON, class_id)
    if snapshot is None:
        abort(404)
    _member_for_snapshots(class_id, snapshot.person_id)
    record_access(current_user, snapshot.person_id, AccessKind.SNAPSHOT, ref_id=snapshot.id)
    return send_stored(snapshot.storage_key, content_type="image/jpeg")


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


# ---------------------------------------------------------------- hours ledger (enterprise)


def _ledger_rows(year: int):
    if not policy.acts_for_own_enterprise(current_user) or current_user.enterprise is None:
        abort(403)
    return hours.year_ledger(current_user.enterprise, year)


@bp.route("/hours")
@roles_required(Role.ENTERPRISE)
def ledger():
    year = request.args.get("year", type=int) or local_today().year
    rows = _ledger_rows(year)
    short_only = request.args.get("short") == "1"
    shown = [r for r in rows if r.short > 0] if short_only else rows
    return render_template("training/ledger.html", rows=shown, year=year, short_only=short_only, total=len(rows))


@bp.route("/hours/export.xlsx")
@roles_required(Role.ENTERPRISE)
def ledger_export():
    year = request.args.get("year", type=int) or local_today().year
    book = Workbook()
    sheet = book.active
    sheet.title = str(year)
    sheet.append([_("姓名"), _("岗位"), _("要求学时"), _("已获学时"), _("差额")])
    for r in _ledger_rows(year):
        if r.short > 0:
            sheet.append([r.person.name, Post(r.employment.post).label, r.required, r.done, r.short])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return send_file(out, as_attachment=True, download_name=f"hours-short-{year}.xlsx")


@bp.route("/rates")
@roles_required(Role.ADMIN, Role.REGULATOR)
def rates():
    """Completion rates per enterprise in the regulator's region (the platform admin: all)."""
    year = request.args.get("year", type=int) or local_today().year
    rows = hours.completion_rates(visible_enterprise_ids(current_user), year)
    return render_template("training/rates.html", rows=rows, year=year)


# ---------------------------------------------------------------- learner


@bp.route("/mine")
@roles_required(Role.WORKER)
def mine():
    items = db.session.scalars(
        training_scope.my_classes_query(current_user).order_by(TrainingClass.starts_on.desc())
    ).all()
    rows = [(c, classes.progress(c, _mine_filter())[0]) for c in items]
    year = local_today().year
    required, done = hours.my_year(current_user.person, year)
    return render_template("training/mine.html", rows=rows, year=year, year_required=required, year_done=done)


def _mine_filter():
    return Enrolment.person_id == current_user.person_id


@bp.route("/mine/<int:class_id>")
@roles_required(Role.WORKER)
def my_class(class_id: int):
    training_class = training_scope.get_my_class_or_404(current_user, class_id)
    progress = classes.progress(training_class, _mine_filter())[0]
    lessons = study.lesson_progress(current_user.person_id, class_id)
    own = []
    if may_see_own_snapshots(current_user, current_user.person_id):
        own = snapshots.own_snapshots(current_user.person_id, SnapshotContext.LESSON, class_id)
    required = snapshots.enabled(SnapshotContext.LESSON)
    return render_template(
        "training/my_class.html",
        training_class=training_class,
        progress=progress,
        lessons=lessons,
        own_snapshots=own,
        show_own_snapshots=bool(own) or required,
        snapshot_consent=snapshots.consent_of(current_user.person_id, SnapshotContext.LESSON, class_id)
        if required
        else None,
        lesson_titles={lesson.id: lesson.title for lesson in training_class.course.lessons},
        held_seconds=held.held_seconds(current_user.person_id, class_id),
    )


@bp.route("/mine/<int:class_id>/lessons/<int:lesson_id>")
@roles_required(Role.WORKER)
def lesson_page(class_id: int, lesson_id: int):
    training_class = training_scope.get_my_class_or_404(current_user, class_id)
    lesson = training_scope.get_my_lesson_or_404(current_user, training_class, lesson_id)
    progress = study.lesson_progress(current_user.person_id, class_id).get(lesson.id)
    required = snapshots.enabled(SnapshotContext.LESSON)
    return render_template(
        "training/lesson.html",
        training_class=training_class,
        lesson=lesson,
        credited=progress.credited_seconds if progress else 0,
        # the page's timer; TRAINING_HEARTBEAT_SECONDS only speeds it up in browser tests (the rule keeps its own)
        interval=current_app.config.get("TRAINING_HEARTBEAT_SECONDS") or study.study_rules().interval,
        rules=study.study_rules(),
        studyable=study.class_is_open(training_class),
        snapshots_required=required,
        consent=snapshots.consent_of(current_user.person_id, SnapshotContext.LESSON, class_id) if required else None,
    )


@bp.route("/mine/<int:class_id>/snapshots/consent", methods=["POST"])
@roles_required(Role.WORKER)
def snapshot_consent(class_id: int):
    """The learner's answer to the 人像抓拍 consent step of a class (the latest answer counts)."""
    training_class = training_scope.get_my_class_or_404(current_user, class_id)
    decision = request.form.get("decision")
    if decision not in ("yes", "no"):
        abort(400)
    granted = decision == "yes"
    snapshots.record_consent(
        current_user.person_id,
        SnapshotContext.LESSON,
        training_class.id,
        granted,
        title=training_class.title,
        actor=current_user,
        now=utcnow(),
    )
    db.session.commit()
    if not granted:
        flash(_("您拒绝了人像抓拍：可以浏览课程，但在线学习不计学时。可随时在课时页面改为同意。"), "error")
    lesson_id = request.form.get("lesson_id", type=int)
    if lesson_id:
        return redirect(url_for("training.lesson_page", class_id=class_id, lesson_id=lesson_id))
    return redirect(url_for("training.my_class", class_id=class_id))


@bp.route("/mine/<int:class_id>/lessons/<int:lesson_id>/snapshot", methods=["POST"])
@roles_required(Role.WORKER)
def lesson_snapshot(class_id: int, lesson_id: int):
    """A due snapshot of the lesson page (the JPEG is the request body); answers whether one is still due."""
    training_class = training_scope.get_my_class_or_404(current_user, class_id)
    lesson = training_scope.get_my_lesson_or_404(current_user, training_class, lesson_id)
    person_id = current_user.person_id
    now = utcnow()
    try:
        if snapshots.consent_of(person_id, SnapshotContext.LESSON, training_class.id) is not True:
            raise DomainError("snapshot.no_consent")
        plan = snapshots.plan_for(person_id, SnapshotContext.LESSON, training_class.id)
        if plan is None or plan.item_id != lesson.id:
            raise DomainError("snapshot.no_plan", http_status=409)
        snapshots.take(plan, request.get_data(cache=False), max_bytes=current_app.config["SNAPSHOT_MAX_BYTES"], now=now)
    except DomainError as exc:
        db.session.rollback()
        return json_error(exc)
    due = snapshots.status(plan, now).due
    db.session.commit()
    return jsonify(saved=True, due=due)


@bp.route("/mine/<int:class_id>/lessons/<int:lesson_id>/start", methods=["POST"])
@roles_required(Role.WORKER)
def lesson_start(class_id: int, lesson_id: int):
    training_class = training_scope.get_my_class_or_404(current_user, class_id)
    lesson = training_scope.get_my_lesson_or_404(current_user, training_class, lesson_id)
    if not study.class_is_open(training_class):
        return json_error(DomainError("study.closed"))
    token = study.open_lesson(current_user.person_id, training_class, lesson)
    progress = study.lesson_progress(current_user.person_id, class_id)[lesson.id]
    snapshot = None
    if snapshots.enabled(SnapshotContext.LESSON):
        now = utcnow()
        plan = snapshots.open_plan(
            current_user.person_id,
            SnapshotContext.LESSON,
            training_class.id,
            item_id=lesson.id,
            token=token,
            span_seconds=max(0, lesson.duration_seconds - progress.credited_seconds),
            now=now,
        )
        consent = snapshots.consent_of(current_user.person_id, SnapshotContext.LESSON, training_class.id)
        snapshot = {"consent": consent, "due": consent is True and snapshots.status(plan, now).due}
    # read before the commit, which expires every loaded object (reading after it cost two more SELECTs)
    answer = {
        "token": token,
        "interval": study.study_rules().interval,
        "credited": progress.credited_seconds,
        "furthest": progress.furthest,
        "duration": lesson.duration_seconds,
        "snapshot": snapshot,
    }
    db.session.commit()
    return jsonify(answer)


@bp.route("/heartbeat", methods=["POST"])
@signed_in_as(Role.WORKER)  # its writes are one conditional statement on PostgreSQL (app.training.study)
def heartbeat():
    """One report of the lesson page (``static/js/study.js``): JSON with the ``X-CSRFToken`` header, or — when the
    page is being left or hidden — a ``navigator.sendBeacon`` form (``csrf_token`` and the same JSON in ``beat``),
    since a beacon carries no header."""
    person_id = g.login.person_id
    try:
        data = _beat_fields()
        seek_to = data.get("seek_to")
        beat = Heartbeat(
            token=str(data.get("token", ""))[:40],
            lesson_id=int(data.get("lesson_id", 0)),
            position=float(data.get("position", 0) or 0),
            visible=bool(data.get("visible", False)),
            playing=bool(data.get("playing", False)),
            seek_to=None if seek_to is None else float(seek_to),
            active=bool(data.get("active", False)),
            answer=str(data.get("answer", "") or "")[:40],
        )
    except DomainError as exc:
        return json_error(exc)
    except (TypeError, ValueError):
        return json_error(DomainError("request.not_json_object", http_status=400))
    if not all(map(math.isfinite, (beat.position, beat.seek_to or 0.0))):
        return json_error(DomainError("request.not_json_object", http_status=400))
    extra, refused, hold = {}, False, None
    if snapshots.enabled(SnapshotContext.LESSON):
        shot = snapshots.lesson_status(person_id, beat.token, utcnow())
        refused = not shot.ok and not shot.due  # no consent (refused or not given): nothing will ever be due
        beat = replace(beat, snapshot_ok=shot.ok)
        extra["snapshot_due"] = shot.due
        hold = shot.window if shot.held else None  # 人像抓拍 whose window's credit is held (app.training.held)
    conn = lean_connection()
    result = study.heartbeat(person_id, beat, conn=conn, hold=hold)
    conn.commit()
    refusal = "snapshot_refused" if result.refusal == "snapshot" and refused else result.refusal
    if result.prompt:
        extra["prompt"] = result.prompt
    if hold and result.credited:
        extra["held"] = shot.held  # "check" or "review": the page says this time awaits the face check or a 复核
    return jsonify(
        credited=result.credited,
        refusal=refusal,
        lesson_seconds=result.lesson_seconds,
        furthest=result.furthest,
        **extra,
    )


def _beat_fields() -> dict:
    """The heartbeat's fields: the JSON body, or a beacon's ``beat`` form field (the form carried the CSRF token)."""
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            data = json.loads(request.form.get("beat", ""))
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise DomainError("request.not_json_object", http_status=400)
        return data
    return json_object()
