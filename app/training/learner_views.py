"""The learner's pages: their classes, a class's progress and snapshots, the lesson page with its 人像抓拍 consent
and snapshots, starting a lesson, and the heartbeat API the lesson page reports to (``static/js/study.js``)."""

from __future__ import annotations

import json
import math
from dataclasses import replace

from flask import current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import lean_connection, roles_required, signed_in_as
from app.auth.models import Role
from app.auth.policy.snapshots import may_see_own_snapshots
from app.core.clock import local_today, utcnow
from app.core.errors import DomainError, json_error, json_object
from app.extensions import db
from app.people.models import SnapshotContext
from app.people.services import own_person
from app.people.snapshot_views import consent_from_form, upload_json
from app.people.snapshots import reading as snapshot_reading
from app.people.snapshots import schedule as snapshot_schedule
from app.people.snapshots import settings as snapshot_settings
from app.people.snapshots.consent import consent_of
from app.training import bp, classes, held, hours, study
from app.training import scope as training_scope
from app.training.crediting import Heartbeat
from app.training.models import Enrolment, TrainingClass


@bp.route("/mine")
@roles_required(Role.WORKER)
def mine():
    items = db.session.scalars(
        training_scope.my_classes_query(current_user).order_by(TrainingClass.starts_on.desc())
    ).all()
    rows = [(c, classes.progress(c, _mine_filter())[0]) for c in items]
    year = local_today().year
    required, done = hours.my_year(own_person(current_user), year)
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
        own = snapshot_reading.own_snapshots(current_user.person_id, SnapshotContext.LESSON, class_id)
    required = snapshot_settings.enabled(SnapshotContext.LESSON)
    return render_template(
        "training/my_class.html",
        training_class=training_class,
        progress=progress,
        lessons=lessons,
        own_snapshots=own,
        show_own_snapshots=bool(own) or required,
        snapshot_consent=consent_of(current_user.person_id, SnapshotContext.LESSON, class_id) if required else None,
        lesson_titles={lesson.id: lesson.title for lesson in training_class.course.lessons},
        held_seconds=held.held_seconds(current_user.person_id, class_id),
    )


@bp.route("/mine/<int:class_id>/lessons/<int:lesson_id>")
@roles_required(Role.WORKER)
def lesson_page(class_id: int, lesson_id: int):
    page = study.my_lesson_page(current_user, class_id, lesson_id)  # the class, lesson, zone and progress: one read
    required = snapshot_settings.enabled(SnapshotContext.LESSON)
    rules = study.study_rules()
    return render_template(
        "training/lesson.html",
        training_class=page.training_class,
        lesson=page.lesson,
        credited=page.credited,
        # the page's timer; TRAINING_HEARTBEAT_SECONDS only speeds it up in browser tests (the rule keeps its own)
        interval=current_app.config.get("TRAINING_HEARTBEAT_SECONDS") or rules.interval,
        rules=rules,
        studyable=page.studyable(),
        snapshots_required=required,
        consent=page.consent if required else None,
    )


@bp.route("/mine/<int:class_id>/snapshots/consent", methods=["POST"])
@roles_required(Role.WORKER)
def snapshot_consent(class_id: int):
    """The learner's answer to the 人像抓拍 consent step of a class (the latest answer counts)."""
    training_class = training_scope.get_my_class_or_404(current_user, class_id)
    granted = consent_from_form(
        current_user.person_id, SnapshotContext.LESSON, training_class.id, title=training_class.title, now=utcnow()
    )
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
    plan = snapshot_schedule.plan_for(person_id, SnapshotContext.LESSON, training_class.id)
    refusal = None
    if consent_of(person_id, SnapshotContext.LESSON, training_class.id) is not True:
        refusal = DomainError("snapshot.no_consent")
    elif plan is None or plan.item_id != lesson.id:
        refusal = DomainError("snapshot.no_plan", http_status=409)
    return upload_json(plan, now, refusal)


@bp.route("/mine/<int:class_id>/lessons/<int:lesson_id>/start", methods=["POST"])
@roles_required(Role.WORKER)
def lesson_start(class_id: int, lesson_id: int):
    page = study.my_lesson_page(current_user, class_id, lesson_id)  # the class, lesson, zone and progress: one read
    training_class, lesson = page.training_class, page.lesson
    if not page.studyable():
        return json_error(DomainError("study.closed"))
    token = study.open_lesson(current_user.person_id, training_class, lesson, page=page)
    snapshot = None
    if snapshot_settings.enabled(SnapshotContext.LESSON):
        now = utcnow()
        plan = snapshot_schedule.open_plan(
            current_user.person_id,
            SnapshotContext.LESSON,
            training_class.id,
            item_id=lesson.id,
            token=token,
            span_seconds=max(0, lesson.duration_seconds - page.credited),
            now=now,
        )
        consent = page.consent
        snapshot = {"consent": consent, "due": consent is True and snapshot_schedule.status(plan, now).due}
    # read before the commit, which expires every loaded object (reading after it cost two more SELECTs); the
    # progress as read before the session moved (the start changes neither)
    answer = {
        "token": token,
        "interval": study.study_rules().interval,
        "credited": page.credited,
        "furthest": page.furthest,
        "duration": lesson.duration_seconds,
        "snapshot": snapshot,
    }
    db.session.commit()
    return jsonify(answer)


@bp.route("/heartbeat", methods=["POST"])
# the login check and the beat's read are one statement, its writes one conditional statement on PostgreSQL
@signed_in_as(Role.WORKER, read=study.read_beat)
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
    conn = lean_connection()
    if snapshot_settings.enabled(SnapshotContext.LESSON):
        shot = snapshot_schedule.lesson_status(person_id, beat.token, g.login_read.now, conn=conn)
        refused = not shot.ok and not shot.due  # no consent (refused or not given): nothing will ever be due
        beat = replace(beat, snapshot_ok=shot.ok)
        extra["snapshot_due"] = shot.due
        hold = shot.window if shot.held else None  # 人像抓拍 whose window's credit is held (app.training.held)
    result = study.heartbeat(person_id, beat, conn=conn, hold=hold, read=g.login_read)
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
