"""The supervising regulator's list of hours-gate overrides: who was admitted to which 资格考试 or 复审考试 although
their training hours were short, by whom, on which listed reason and with what facts."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.exams import gates
from app.exams import scope as exam_scope
from app.exams.models import GateOverride
from app.extensions import db

bp = Blueprint("overrides", __name__)


@bp.route("/gate-overrides")
@roles_required(Role.ADMIN, Role.REGULATOR)
def gate_overrides():
    page = db.paginate(
        exam_scope.gate_overrides_query(current_user).order_by(GateOverride.at.desc(), GateOverride.id.desc()),
        page=request.args.get("page", 1, type=int),
        per_page=50,
        error_out=False,
    )
    return render_template("exams/gate_overrides.html", page=page, label=gates.override_label)
