"""Complaints (regulators), 退出 recommendations (enterprises answer, regulators close) and the bell's page (every
role). Thin: load in scope, check who may act, call a service, commit, redirect."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.policy import roles as role_policy
from app.core.clock import rendered_at, utcnow
from app.core.errors import DomainError
from app.core.forms import choices
from app.core.storage import send_stored
from app.dashboards import alerts, bp, complaints, exits, scope
from app.dashboards import messages as _messages  # noqa: F401  (registers the error codes' words)
from app.dashboards.forms import ComplaintForm, DocumentForm, ExitActForm, NoteForm, VerdictForm
from app.dashboards.models import Complaint, ComplaintSource, ExitAction, ExitRecommendation, ExitState, Verdict
from app.extensions import db
from app.people import scope as people_scope
from app.tenancy.models import Enterprise, TrainingInstitution

# ---------------------------------------------------------------- the bell


@bp.route("/alerts", methods=["GET", "POST"])
def alert_page():
    """The current user's alerts and certificate reminders; a POST marks read all that the page showed (those that
    arrived by the time it was rendered: ``shown_at``, UTC)."""
    now = utcnow()
    if request.method == "POST":
        alerts.mark_read(current_user.id, rendered_at(request.form.get("shown_at"), now))
        db.session.commit()
        return redirect(url_for("dashboards.alert_page"))
    return render_template(
        "dashboards/alerts.html",
        items=alerts.items_for(current_user.id),
        shown_at=now.isoformat(timespec="microseconds"),
    )


@bp.app_template_global("bell_count")
def bell_count() -> int:
    """The header's count: unread alerts and certificate reminders of the current user."""
    if not current_user.is_authenticated:
        return 0
    return alerts.unread_count(current_user.id)


# ---------------------------------------------------------------- complaints


def _subjects() -> list[tuple[str, str]]:
    """The institutions and enterprises of the regulator's region, as the complaint form's choices."""
    institutions = db.session.scalars(scope.institutions_query(current_user).order_by(TrainingInstitution.name)).all()
    enterprises = db.session.scalars(
        people_scope.enterprises_query(current_user).order_by(Enterprise.name).limit(2000)
    ).all()
    return [(f"i{i.id}", f"{_('培训机构')}：{i.name}") for i in institutions] + [
        (f"e{e.id}", f"{_('企业')}：{e.name}") for e in enterprises
    ]


def _subject(value: str):
    """The institution or enterprise a form names, if the regulator reaches it."""
    if len(value) > 1 and value[1:].isdigit():
        if value[0] == "i":
            return db.session.scalars(
                scope.institutions_query(current_user).where(TrainingInstitution.id == int(value[1:]))
            ).first()
        if value[0] == "e":
            return db.session.scalars(
                people_scope.enterprises_query(current_user).where(Enterprise.id == int(value[1:]))
            ).first()
    return None


@bp.route("/dashboard/complaints", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.REGULATOR)
def complaint_list():
    form = ComplaintForm()
    may_record = role_policy.is_authority(current_user)
    if may_record:
        form.subject.choices = choices(_subjects())
    if request.method == "POST":
        if not may_record:
            abort(403)
        if form.validate_on_submit():
            subject = _subject(form.subject.data)
            try:
                if subject is None:
                    raise DomainError("complaint.subject")
                item = complaints.record(
                    subject,
                    source=ComplaintSource(form.source.data),
                    received_on=form.received_on.data,
                    summary=form.summary.data,
                    actor=current_user,
                )
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
            else:
                db.session.commit()
                flash(_("投诉已登记"), "success")
                return redirect(url_for("dashboards.complaint_page", complaint_id=item.id))
    rows = db.session.scalars(scope.complaints_query(current_user).order_by(Complaint.id.desc()).limit(200)).all()
    return render_template("dashboards/complaints.html", complaints=rows, form=form, may_record=may_record)


@bp.route("/dashboard/complaints/<int:complaint_id>")
@roles_required(Role.ADMIN, Role.REGULATOR)
def complaint_page(complaint_id: int):
    item = scope.get_complaint_or_404(current_user, complaint_id)
    return render_template(
        "dashboards/complaint.html",
        complaint=item,
        may_act=scope.may_supervise(current_user, item.region_code),
        verdict_form=VerdictForm(data={"verdict": item.verdict.value, "seen": item.verdict.value}),
        document_form=DocumentForm(),
        events=[
            e
            for e in complaints.events_of(institution_id=item.institution_id, enterprise_id=item.enterprise_id)
            if e.complaint_id == item.id
        ],
    )


def _acting_on(complaint_id: int) -> Complaint:
    item = scope.get_complaint_or_404(current_user, complaint_id)
    if not scope.may_supervise(current_user, item.region_code):
        abort(403)
    return item


@bp.route("/dashboard/complaints/<int:complaint_id>/verdict", methods=["POST"])
@roles_required(Role.REGULATOR)
def complaint_verdict(complaint_id: int):
    item = _acting_on(complaint_id)
    form = VerdictForm()
    try:
        if not form.validate_on_submit() or form.seen.data not in Verdict._value2member_map_:
            raise DomainError("complaint.changed")
        complaints.decide(item, Verdict(form.verdict.data), seen=Verdict(form.seen.data), actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("核查结论已保存"), "success")
    return redirect(url_for("dashboards.complaint_page", complaint_id=complaint_id))


@bp.route("/dashboard/complaints/<int:complaint_id>/documents", methods=["POST"])
@roles_required(Role.REGULATOR)
def complaint_document(complaint_id: int):
    item = _acting_on(complaint_id)
    form = DocumentForm()
    try:
        if not form.validate_on_submit():
            raise DomainError("complaint.document_type")
        upload = form.document.data
        complaints.add_document(item, upload.read(), upload.filename or "", actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("材料已保存"), "success")
    return redirect(url_for("dashboards.complaint_page", complaint_id=complaint_id))


@bp.route("/dashboard/complaints/<int:complaint_id>/documents/<int:document_id>")
@roles_required(Role.ADMIN, Role.REGULATOR)
def complaint_file(complaint_id: int, document_id: int):
    item = scope.get_complaint_or_404(current_user, complaint_id)
    document = scope.get_document_or_404(current_user, item, document_id)
    return send_stored(document.storage_key, content_type=document.content_type, download_name=document.file_name)


# ---------------------------------------------------------------- 退出 recommendations


@bp.route("/dashboard/exits")
@roles_required(Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.WORKER)
def exit_list():
    state = request.args.get("state", "")
    query = scope.exits_query(current_user)
    if state in ExitState._value2member_map_:
        query = query.where(ExitRecommendation.state == ExitState(state))
    rows = db.session.scalars(query.order_by(ExitRecommendation.id.desc()).limit(500)).all()
    return render_template("dashboards/exits.html", exits=rows, state=state, states=ExitState)


@bp.route("/dashboard/exits/<int:exit_id>")
@roles_required(Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.WORKER)
def exit_page(exit_id: int):
    item = scope.get_exit_or_404(current_user, exit_id)
    return render_template(
        "dashboards/exit.html",
        item=item,
        may_act=role_policy.acts_for_own_enterprise(current_user) and item.state is ExitState.OPEN,
        may_close=scope.may_supervise(current_user, item.enterprise.region_code) and item.state is not ExitState.CLOSED,
        act_form=ExitActForm(),
        close_form=NoteForm(),
    )


def _exit_step(exit_id: int, step) -> object:
    item = scope.get_exit_or_404(current_user, exit_id)
    try:
        step(item)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已办理"), "success")
    return redirect(url_for("dashboards.exit_page", exit_id=exit_id))


@bp.route("/dashboard/exits/<int:exit_id>/act", methods=["POST"])
@roles_required(Role.ENTERPRISE)
def exit_act(exit_id: int):
    form = ExitActForm()

    def step(item: ExitRecommendation) -> None:
        if item.enterprise_id != current_user.enterprise_id:
            abort(403)
        if not form.validate_on_submit():
            raise DomainError("exit.note_required")
        exits.act(item, ExitAction(form.action.data), form.note.data, actor=current_user)

    return _exit_step(exit_id, step)


@bp.route("/dashboard/exits/<int:exit_id>/close", methods=["POST"])
@roles_required(Role.REGULATOR)
def exit_close(exit_id: int):
    form = NoteForm()

    def step(item: ExitRecommendation) -> None:
        if not scope.may_supervise(current_user, item.enterprise.region_code):
            abort(403)
        if not form.validate_on_submit():
            raise DomainError("exit.note_required")
        exits.close(item, form.note.data, actor=current_user)

    return _exit_step(exit_id, step)
