"""整改问题清单: the findings list and a finding's page, and its steps — retraining, a makeup sitting, the request for
review by the enterprise; closing or sending it back by the regulator. Thin: load in scope, call
``app.spotchecks.findings``, commit, redirect."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.policy import spotchecks as spot_policy
from app.core.clock import local_today, to_local, to_utc
from app.core.db import utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.spotchecks import bp
from app.spotchecks import findings as rectification  # 整改: the finding workflow
from app.spotchecks import scope as spot_scope
from app.spotchecks.forms import CloseFindingForm, MakeupForm, NoteForm, ReasonForm
from app.spotchecks.models import Finding, FindingState
from app.spotchecks.scope import STAFF


@bp.route("/spotchecks/findings")
@roles_required(*STAFF)
def findings():
    query = spot_scope.findings_query(current_user).join(Finding.inspection)
    status = request.args.get("status", "")
    today = local_today()
    if status == "overdue":
        query = query.where(Finding.status != FindingState.CLOSED, Finding.deadline < today)
    elif status in FindingState._value2member_map_:
        query = query.where(Finding.status == FindingState(status))
    elif status != "all":
        query = query.where(Finding.status != FindingState.CLOSED)
    page = db.paginate(
        query.order_by(Finding.deadline, Finding.id),
        page=request.args.get("page", 1, type=int),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "spotchecks/findings.html",
        page=page,
        status=status,
        states=list(FindingState),
        today=today,
        caps=spot_policy.findings_page(current_user),
    )


@bp.route("/spotchecks/findings/<int:finding_id>")
@roles_required(*STAFF)
def finding(finding_id: int):
    finding = spot_scope.get_finding_or_404(current_user, finding_id)
    makeup_form = MakeupForm()
    if finding.makeup_sitting_id is None:
        start = to_local(utcnow() + timedelta(days=1)).replace(tzinfo=None, minute=0, second=0, microsecond=0)
        makeup_form.opens_at.data, makeup_form.closes_at.data = start, start + timedelta(hours=2)
    return render_template(
        "spotchecks/finding.html",
        finding=finding,
        attempt=rectification.makeup_attempt(finding),
        makeup_passed=rectification.makeup_passed(finding),
        today=local_today(),
        can_work=spot_scope.can_work_finding(current_user, finding.enterprise_id),
        can_review=spot_scope.can_inspect(current_user, finding.inspection.enterprise),
        note_form=NoteForm(),
        makeup_form=makeup_form,
        close_form=CloseFindingForm(),
        reject_form=ReasonForm(),
    )


def _finding_action(finding_id: int, *, review: bool) -> Finding:
    finding = spot_scope.get_finding_or_404(current_user, finding_id)
    allowed = (
        spot_scope.can_inspect(current_user, finding.inspection.enterprise)
        if review
        else spot_scope.can_work_finding(current_user, finding.enterprise_id)
    )
    if not allowed:
        abort(403)
    return finding


def _finding_step(finding: Finding, step, done: str):
    """Run one finding transition: commit and confirm it, or roll back and show why it was refused."""
    try:
        step()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("spotchecks.finding", finding_id=finding.id))


@bp.route("/spotchecks/findings/<int:finding_id>/retraining", methods=["POST"])
@roles_required(Role.ENTERPRISE)
def finding_retraining(finding_id: int):
    finding = _finding_action(finding_id, review=False)
    form = NoteForm()
    return _finding_step(
        finding,
        lambda: rectification.assign_retraining(finding, actor=current_user, note=form.note.data or ""),
        _("已记录重新培训安排。"),
    )


@bp.route("/spotchecks/findings/<int:finding_id>/makeup", methods=["POST"])
@roles_required(Role.ENTERPRISE)
def finding_makeup(finding_id: int):
    finding = _finding_action(finding_id, review=False)
    form = MakeupForm()
    if not form.validate_on_submit():
        flash(_("请填写补考开始和结束时间。"), "error")
        return redirect(url_for("spotchecks.finding", finding_id=finding.id))
    return _finding_step(
        finding,
        lambda: rectification.schedule_makeup(
            finding,
            actor=current_user,
            opens_at=to_utc(form.opens_at.data),
            closes_at=to_utc(form.closes_at.data),
            plan=form.plan.data or "",
        ),
        _("已安排补考。"),
    )


@bp.route("/spotchecks/findings/<int:finding_id>/submit", methods=["POST"])
@roles_required(Role.ENTERPRISE)
def finding_submit(finding_id: int):
    finding = _finding_action(finding_id, review=False)
    return _finding_step(
        finding,
        lambda: rectification.request_review(finding, actor=current_user, note=NoteForm().note.data or ""),
        _("已提交监管部门复核。"),
    )


@bp.route("/spotchecks/findings/<int:finding_id>/close", methods=["POST"])
@roles_required(Role.REGULATOR)
def finding_close(finding_id: int):
    finding = _finding_action(finding_id, review=True)
    return _finding_step(
        finding,
        lambda: rectification.close_finding(
            finding, actor=current_user, override_reason=CloseFindingForm().override_reason.data or ""
        ),
        _("整改项已销号。"),
    )


@bp.route("/spotchecks/findings/<int:finding_id>/reject", methods=["POST"])
@roles_required(Role.REGULATOR)
def finding_reject(finding_id: int):
    finding = _finding_action(finding_id, review=True)
    return _finding_step(
        finding,
        lambda: rectification.reject_finding(finding, actor=current_user, reason=ReasonForm().reason.data or ""),
        _("已退回企业继续整改。"),
    )
