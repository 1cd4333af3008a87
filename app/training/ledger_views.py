"""The enterprise's hours ledger (who is short of the year's 学时, as a page and a workbook) and the completion
rates per enterprise that regulators see."""

from __future__ import annotations

import io

from flask import abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user
from openpyxl import Workbook

from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.policy import roles as role_policy
from app.core.clock import local_today
from app.people.models import Post
from app.people.scope import visible_enterprise_ids
from app.training import bp, hours


def _ledger_rows(year: int):
    if not role_policy.acts_for_own_enterprise(current_user) or current_user.enterprise is None:
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
