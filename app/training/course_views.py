"""Course pages: the course list, a course version with its lessons (adding one, a video's upload limit), a new
version of a course, taking a lesson out, and a lesson's file behind the policy check. Thin: load in scope, call
``app.training.courses``, commit, redirect."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.policy import training as training_policy
from app.auth.scope import STAFF
from app.core.errors import DomainError
from app.core.storage import send_stored
from app.extensions import db
from app.training import bp, courses, files
from app.training import scope as training_scope
from app.training.forms import CourseForm, LessonForm
from app.training.models import Course, LessonKind, TrainingType

BUILDERS = training_policy.TRAINING_BUILDERS


@bp.route("/courses", methods=["GET", "POST"])
@roles_required(*STAFF)
def course_list():
    form = CourseForm()
    if training_policy.may_build_training(current_user) and form.validate_on_submit():
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
        "training/courses.html", courses=items, form=form, can_build=training_policy.may_build_training(current_user)
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
