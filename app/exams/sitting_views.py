"""Exam sittings for organisers: the list, a new sitting (its candidates and paper template), a sitting's page, its
results as a workbook, and a 补考 sitting after it. Thin: load in scope, call ``app.exams.sittings``, commit,
redirect."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.policy import exams as exam_policy
from app.auth.policy import people as people_policy
from app.auth.scope import STAFF
from app.bank import scope as bank_scope
from app.bank.models import PaperTemplate
from app.core.clock import to_local, to_utc
from app.core.db import utcnow
from app.core.errors import DomainError
from app.core.forms import choices, enum_choices
from app.exams import bp, exports, gates, makeups, queries
from app.exams import scope as exam_scope
from app.exams import sittings as exam_sittings
from app.exams.forms import MakeupForm, SittingForm
from app.exams.models import ExamKind
from app.extensions import db
from app.people.access_views import record_access
from app.people.models import AccessKind, Employment, Person, Post, SnapshotContext
from app.people.snapshots import reading as snapshot_reading


def _local_input(value):
    """Default for a datetime-local field: a UTC time in the platform's zone, without tzinfo."""
    return to_local(value).replace(tzinfo=None, second=0, microsecond=0)


@bp.route("/sittings")
@roles_required(*STAFF)
def sittings():
    query = exam_scope.sittings_query(current_user).order_by(sa.desc("opens_at"))
    page_ = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=30, error_out=False)
    return render_template(
        "exams/sittings.html", page=page_, now=utcnow(), can_create=exam_policy.may_organise_exams(current_user)
    )


def _candidate_choices(post: str, operation: str) -> list[tuple[int, str]]:
    query = exam_scope.exam_candidates_query(current_user).join(Employment.person).order_by(Person.name, Person.id)
    if post in Post._value2member_map_:
        query = query.where(Employment.post == Post(post))
    if operation:
        query = query.where(
            sa.or_(Employment.operation_code == operation, Employment.operation_code.startswith(operation + "."))
        )
    labels: dict[int, str] = {}
    for e in db.session.scalars(query.limit(2000)):
        label = " · ".join(
            x for x in (e.person.name, e.person.id_masked, e.post.label, e.operation_code or "", e.enterprise.name) if x
        )
        labels.setdefault(e.person_id, label)
    return list(labels.items())


@bp.route("/sittings/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new_sitting():
    post, operation = request.args.get("post", ""), request.args.get("operation", "").strip()
    form = SittingForm()
    form.template_id.choices = choices(
        (t.id, t.name) for t in db.session.scalars(bank_scope.active_templates_query(current_user).order_by("name"))
    )
    form.kind.choices = enum_choices(exam_sittings.kinds_for(current_user))
    form.person_ids.choices = choices(_candidate_choices(post, operation))
    if request.method == "GET":
        start_at = _local_input(utcnow() + timedelta(hours=1))
        form.opens_at.data, form.closes_at.data = start_at, start_at + timedelta(hours=3)
    if form.validate_on_submit():
        person_ids = form.person_ids.data
        if request.form.get("all_shown"):
            person_ids = [c.value for c in form.person_ids.choices]
        template = db.session.scalars(
            bank_scope.active_templates_query(current_user).where(PaperTemplate.id == form.template_id.data)
        ).first()
        if template is None:
            abort(404)
        try:
            if not person_ids:
                raise DomainError("sitting.no_candidates")
            sitting = exam_sittings.create_sitting(
                template,
                title=form.title.data,
                kind=ExamKind(form.kind.data),
                opens_at=to_utc(form.opens_at.data),
                closes_at=to_utc(form.closes_at.data),
                duration_minutes=form.duration_minutes.data,
                access_code=form.access_code.data or "",
                person_ids=person_ids,
                actor=current_user,
                post=post if post in Post._value2member_map_ else "",
                operation_code=operation[:16],
                override=gates.GateOverride(form.override_code.data, form.override_text.data or "")
                if form.override_code.data or (form.override_text.data or "").strip()
                else None,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("已创建考试场次，共 %(n)s 名考生。", n=len(set(person_ids))), "success")
            return redirect(url_for("exams.sitting", sitting_id=sitting.id))
    return render_template("exams/sitting_form.html", form=form, posts=list(Post), post=post, operation=operation)


@bp.route("/sittings/<int:sitting_id>")
@roles_required(*STAFF)
def sitting(sitting_id: int):
    sitting = exam_scope.get_sitting_or_404(current_user, sitting_id)
    now = utcnow()
    rows = queries.board(sitting, now)
    organise = exam_scope.can_organise(current_user, sitting)
    makeup_possible = organise and bool(makeups.makeup_candidates(sitting))
    return render_template(
        "exams/board.html",
        sitting=sitting,
        rows=rows,
        summary=queries.board_summary(rows),
        now=now,
        live=sitting.is_open(now) or any(r.attempt is not None and r.attempt.is_open for r in rows),
        can_organise=organise,
        makeup_possible=makeup_possible,
        makeups=makeups.makeups_of(sitting),
        snapshot_consents=snapshot_reading.consents_in(SnapshotContext.EXAM, sitting.id),
        snapshot_flags=snapshot_reading.flagged_counts(SnapshotContext.EXAM, [r.attempt.id for r in rows if r.attempt]),
    )


@bp.route("/sittings/<int:sitting_id>/results.xlsx")
@roles_required(*STAFF)
def export_results(sitting_id: int):
    sitting = exam_scope.get_sitting_or_404(current_user, sitting_id)
    shown: list[int] = []

    def full_id(person) -> bool:
        if people_policy.may_see_full_id(current_user, person):
            shown.append(person.id)
            return True
        return False

    data = exports.results_xlsx(queries.board(sitting, utcnow()), full_id=full_id)
    record_access(current_user, shown, AccessKind.FULL_ID)
    return send_file(
        io.BytesIO(data),
        as_attachment=True,
        download_name=f"sitting-{sitting.id}-results.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.route("/sittings/<int:sitting_id>/makeup", methods=["GET", "POST"])
@roles_required(*STAFF)
def new_makeup(sitting_id: int):
    original = exam_scope.get_sitting_or_404(current_user, sitting_id)
    if not exam_scope.can_organise(current_user, original):
        abort(403)
    persons = db.session.scalars(sa.select(Person).where(Person.id.in_(makeups.makeup_candidates(original)))).all()
    form = MakeupForm()
    if request.method == "GET":
        start_at = _local_input(utcnow() + timedelta(hours=1))
        form.opens_at.data, form.closes_at.data = start_at, start_at + timedelta(hours=3)
    if form.validate_on_submit():
        try:
            makeup = makeups.create_makeup_sitting(
                original,
                opens_at=to_utc(form.opens_at.data),
                closes_at=to_utc(form.closes_at.data),
                duration_minutes=form.duration_minutes.data,
                access_code=form.access_code.data or "",
                actor=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("已安排补考。"), "success")
            return redirect(url_for("exams.sitting", sitting_id=makeup.id))
    return render_template("exams/makeup_form.html", original=original, persons=persons, form=form)
