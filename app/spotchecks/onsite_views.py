"""An inspection while it runs, for the inspector: live progress, swapping or reissuing a ticket, adding a person,
closing it (which writes the 整改 findings). Thin: load in scope, call ``app.spotchecks.inspections``, commit,
redirect."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.core.db import utcnow
from app.core.errors import DomainError
from app.core.messages import message_for
from app.extensions import db
from app.spotchecks import bp, engine
from app.spotchecks import inspections as inspecting
from app.spotchecks import scope as spot_scope
from app.spotchecks.forms import ReasonForm
from app.spotchecks.models import Inspection, SpotCheckTicket
from app.spotchecks.scope import STAFF


def _fail(exc: DomainError) -> None:
    db.session.rollback()
    flash(exc.message, "error")


def _runnable(inspection_id: int) -> Inspection:
    inspection = spot_scope.get_inspection_or_404(current_user, inspection_id)
    if not spot_scope.can_inspect(current_user, inspection.enterprise):
        abort(403)
    return inspection


def _ticket_of(inspection: Inspection, ticket_id: int) -> SpotCheckTicket:
    ticket = next((t for t in inspection.tickets if t.id == ticket_id), None)
    if ticket is None:
        abort(404)
    return ticket


@bp.route("/spotchecks/<int:inspection_id>/live.json")
@roles_required(*STAFF)
def live(inspection_id: int):
    """Live progress for the inspector's screen: who has answered, scores once graded (never the answers)."""
    inspection = spot_scope.get_inspection_or_404(current_user, inspection_id)
    now = utcnow()
    rows = []
    for t in inspection.tickets:
        answered = 0
        if t.attempt is not None and t.graded_at is None:
            answered = engine.answered_count(t.attempt)
        rows.append(
            {
                "id": t.id,
                "status": t.status.value,
                "status_label": t.status_label,
                "absent": t.absent,
                "answered": answered,
                "score": t.score,
                "passed": t.passed,
                "graded": t.graded_at is not None,
                "failed_identity": t.failed_identity_attempts,
            }
        )
    return jsonify(
        status=inspection.status.value,
        seconds_left=max(0, int((inspection.sitting.closes_at - now).total_seconds())),
        tickets=rows,
    )


@bp.route("/spotchecks/<int:inspection_id>/tickets/<int:ticket_id>/swap", methods=["POST"])
@roles_required(Role.REGULATOR)
def swap(inspection_id: int, ticket_id: int):
    inspection = _runnable(inspection_id)
    ticket = _ticket_of(inspection, ticket_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(message_for("swap.reason_required"), "error")
        return redirect(url_for("spotchecks.inspection", inspection_id=inspection.id))
    try:
        new = inspecting.swap_ticket(ticket, actor=current_user, reason=form.reason.data)
    except DomainError as exc:
        _fail(exc)
    else:
        db.session.commit()
        if new is None:
            flash(_("已作废 %(name)s 的考试码；该岗位已无其他人员可替换。", name=ticket.person.name), "info")
        else:
            flash(_("已将 %(old)s 替换为 %(new)s。", old=ticket.person.name, new=new.person.name), "success")
    return redirect(url_for("spotchecks.inspection", inspection_id=inspection.id))


@bp.route("/spotchecks/<int:inspection_id>/tickets/<int:ticket_id>/reissue", methods=["POST"])
@roles_required(Role.REGULATOR)
def reissue(inspection_id: int, ticket_id: int):
    inspection = _runnable(inspection_id)
    ticket = _ticket_of(inspection, ticket_id)
    form = ReasonForm()
    try:
        inspecting.reissue_ticket(ticket, actor=current_user, reason=form.reason.data or "")
    except DomainError as exc:
        _fail(exc)
    else:
        db.session.commit()
        flash(_("已为 %(name)s 重新发放考试码，原考试码作废。", name=ticket.person.name), "success")
    return redirect(url_for("spotchecks.inspection", inspection_id=inspection.id))


@bp.route("/spotchecks/<int:inspection_id>/add", methods=["POST"])
@roles_required(Role.REGULATOR)
def add(inspection_id: int):
    inspection = _runnable(inspection_id)
    try:
        ticket = inspecting.add_person(inspection, request.form.get("person_id", type=int) or 0, actor=current_user)
    except DomainError as exc:
        _fail(exc)
    else:
        db.session.commit()
        flash(_("已将 %(name)s 加入本次测试。", name=ticket.person.name), "success")
    return redirect(url_for("spotchecks.inspection", inspection_id=inspection.id))


@bp.route("/spotchecks/<int:inspection_id>/close", methods=["POST"])
@roles_required(Role.REGULATOR)
def close(inspection_id: int):
    inspection = _runnable(inspection_id)
    try:
        findings = inspecting.close_inspection(inspection, actor=current_user)
    except DomainError as exc:
        _fail(exc)
    else:
        db.session.commit()
        flash(_("现场测试已结束，生成整改问题 %(n)s 项。", n=len(findings)), "success")
    return redirect(url_for("spotchecks.inspection", inspection_id=inspection.id))
