"""考核发证机关: which bureau issues which certificates (``app.certificates.authorities``). Regulators and the
platform admin see the entrustments; the admin or a province's own regulator entrusts one of its cities with
issuing 特种作业操作证, or withdraws it."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Length, Optional

from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.policy import certificates as cert_policy
from app.certificates import authorities, bp
from app.certificates.models import CertKind, IssuingDelegation
from app.core.errors import DomainError
from app.core.forms import LineField
from app.extensions import db
from app.tenancy.models import Jurisdiction


class DelegationForm(FlaskForm):
    city = SelectField(_l("受委托的市级应急管理部门"), choices=[])
    doc_number = LineField(_l("委托文号"), validators=[Optional(), Length(max=60)])


def _cities(user) -> list[Jurisdiction]:
    """The cities ``user`` may entrust (``app.auth.policy.certificates.may_delegate_issuing``): every city for the admin, its own
    province's for a province regulator."""
    query = sa.select(Jurisdiction).where(Jurisdiction.code.like("____00"), Jurisdiction.code.not_like("__0000"))
    return [
        j
        for j in db.session.scalars(query.order_by(Jurisdiction.code))
        if cert_policy.may_delegate_issuing(user, authorities.province_of(j.code))
    ]


@bp.route("/authorities", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.REGULATOR)
def authority_list():
    cities = _cities(current_user)
    form = DelegationForm()
    form.city.choices = [(j.code, f"{j.code} {j.authority}") for j in cities]
    if request.method == "POST" and not cities:
        abort(403)
    if form.validate_on_submit():
        try:
            authorities.delegate(
                CertKind.SPECIAL_OPERATOR, form.city.data, actor=current_user, doc_number=form.doc_number.data or ""
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("已委托"), "success")
        return redirect(url_for("certificates.authority_list"))
    rows = [
        (d, authorities.authority_name(d.region_code), authorities.authority_name(d.granted_by))
        for d in authorities.delegations()
    ]
    return render_template(
        "certificates/authorities.html",
        rows=rows,
        form=form if cities else None,
        may_withdraw={d.id for d, _n, _g in rows if cert_policy.may_delegate_issuing(current_user, d.granted_by)},
    )


@bp.route("/authorities/<int:delegation_id>/withdraw", methods=["POST"])
@roles_required(Role.ADMIN, Role.REGULATOR)
def withdraw_delegation(delegation_id: int):
    row = db.get_or_404(IssuingDelegation, delegation_id)
    if not cert_policy.may_delegate_issuing(current_user, row.granted_by):
        abort(403)
    db.session.delete(row)
    db.session.commit()
    flash(_("已撤回委托"), "success")
    return redirect(url_for("certificates.authority_list"))
