"""Roster import: upload → preview with every bad row → confirm (all rows or nothing), and the template to fill in."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.policy import roles as role_policy
from app.core.errors import DomainError
from app.extensions import db
from app.people import bp, roster_import
from app.people.forms import ConfirmImportForm, RosterImportForm
from app.people.roster_views import roster_enterprise
from app.tenancy.models import Enterprise


@bp.route("/people/import", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE, Role.ADMIN)
def import_roster():
    """Upload → preview with every bad row → confirm: all rows or nothing."""
    enterprise = roster_enterprise()
    form = RosterImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        batch = roster_import.stage(upload.read(), upload.filename or "", enterprise=enterprise, actor=current_user)
        db.session.commit()
        return redirect(url_for("people.import_preview", batch_id=batch.token, **_enterprise_arg(enterprise)))
    return render_template(
        "people/import.html", form=form, enterprise=enterprise, enterprise_args=_enterprise_arg(enterprise)
    )


def _enterprise_arg(enterprise: Enterprise) -> dict:
    return {} if role_policy.acts_for_own_enterprise(current_user) else {"enterprise": enterprise.id}


@bp.route("/people/import/<batch_id>", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE, Role.ADMIN)
def import_preview(batch_id: str):
    enterprise = roster_enterprise()
    batch = roster_import.get_batch(batch_id, enterprise=enterprise, actor=current_user)
    if batch is None:
        abort(404)
    form = ConfirmImportForm(batch=batch.token)
    if form.validate_on_submit():
        try:
            count = roster_import.apply(batch, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("people.import_preview", batch_id=batch.token, **_enterprise_arg(enterprise)))
        db.session.commit()
        flash(_("已导入 %(count)s 人。", count=count), "success")
        return redirect(url_for("people.roster", **_enterprise_arg(enterprise)))
    preview = roster_import.preview(batch)
    return render_template(
        "people/import_preview.html",
        batch=batch,
        preview=preview,
        form=form,
        enterprise=enterprise,
        enterprise_args=_enterprise_arg(enterprise),
    )


@bp.route("/people/import/template.xlsx")
@roles_required(Role.ENTERPRISE, Role.ADMIN)
def import_template():
    return send_file(
        roster_import.template_xlsx(),
        download_name="roster-template.xlsx",
        as_attachment=True,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
