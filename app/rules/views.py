"""Platform admin: the 特种作业目录 and the rule tables (view and edit)."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FloatField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.auth.access import roles_required
from app.auth.models import Role
from app.core.errors import DomainError
from app.core.forms import LineField
from app.extensions import db
from app.rules import bp
from app.rules.models import Operation, Rule
from app.rules.queries import catalogue_tree
from app.rules.services import add_rule_version


class RuleForm(FlaskForm):
    value = FloatField(_l("数值"), validators=[DataRequired(), NumberRange(min=0, max=100000)])
    legal_basis = LineField(_l("依据"), validators=[Optional(), Length(max=200)])


class VersionForm(RuleForm):
    """A new version of a rule from a date on (a regulation that changes a figure): the old row stays for the
    obligations that fell due before."""

    valid_from = DateField(_l("施行日期"), validators=[DataRequired()])
    region_code = LineField(_l("适用地区（行政区划代码前缀，留空为全国）"), validators=[Optional(), Length(max=6)])


class OperationForm(FlaskForm):
    name = LineField(_l("名称"), validators=[DataRequired(), Length(max=100)])
    note = LineField(_l("备注"), validators=[Optional(), Length(max=200)])


@bp.route("/catalogue")
@roles_required(Role.ADMIN)
def catalogue():
    return render_template("rules/catalogue.html", tree=catalogue_tree())


@bp.route("/catalogue/<int:operation_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_operation(operation_id: int):
    operation = db.get_or_404(Operation, operation_id)
    form = OperationForm(obj=operation)
    if form.validate_on_submit():
        operation.name, operation.note = form.name.data.strip(), form.note.data or ""
        db.session.commit()
        flash(_("已保存。"), "success")
        return redirect(url_for("rules.catalogue"))
    return render_template("rules/edit.html", form=form, title=f"{operation.code} {operation.name}")


@bp.route("/rules")
@roles_required(Role.ADMIN)
def rules():
    rows = db.session.scalars(sa.select(Rule).order_by(Rule.key, Rule.region_code, Rule.valid_from)).all()
    return render_template("rules/rules.html", rules=rows)


@bp.route("/rules/<int:rule_id>/versions", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def add_version(rule_id: int):
    """Add a dated version of ``rule`` (same key): from ``valid_from`` on, for the region prefix given."""
    rule = db.get_or_404(Rule, rule_id)
    form = VersionForm(data={"value": rule.value, "legal_basis": rule.legal_basis, "region_code": rule.region_code})
    if form.validate_on_submit():
        try:
            version = add_rule_version(
                rule,
                value=form.value.data,
                valid_from=form.valid_from.data,
                region_code=(form.region_code.data or "").strip(),
                legal_basis=form.legal_basis.data or "",
            )
        except DomainError as exc:
            db.session.rollback()
            form.valid_from.errors.append(exc.message)
        else:
            db.session.commit()
            figure = f"{version.value:g}"
            day = version.valid_from.isoformat()
            message = _(
                "已新增 %(label)s：自 %(date)s 起为 %(value)s %(unit)s。",
                label=version.label,
                date=day,
                value=figure,
                unit=version.unit,
            )
            flash(message, "success")
            return redirect(url_for("rules.rules"))
    return render_template("rules/edit.html", form=form, title=_("新增版本：%(label)s", label=rule.label))


@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_rule(rule_id: int):
    rule = db.get_or_404(Rule, rule_id)
    form = RuleForm(obj=rule)
    if form.validate_on_submit():
        rule.value, rule.legal_basis = form.value.data, form.legal_basis.data or ""
        db.session.commit()
        flash(
            _("已保存 %(label)s = %(value)s %(unit)s。", label=rule.label, value=rule.value, unit=rule.unit), "success"
        )
        return redirect(url_for("rules.rules"))
    return render_template("rules/edit.html", form=form, title=rule.label)
