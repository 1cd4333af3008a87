"""The purge report (platform admin) and legal holds (platform admin, regulators of the region)."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import DataRequired, Length, NumberRange

from app.auth.access import roles_required
from app.auth.models import Role
from app.core.clock import utcnow
from app.core.errors import DomainError
from app.core.forms import LineField, choices
from app.extensions import db
from app.people.models import Person
from app.records import bp
from app.records.holds import HOLDERS, holds_query, release_hold, set_hold
from app.records.models import LegalHold, PurgeRun


class HoldForm(FlaskForm):
    subject = SelectField(_l("对象"), choices=choices([("person", _l("人员")), ("enterprise", _l("企业"))]))
    subject_id = IntegerField(_l("编号"), validators=[DataRequired(), NumberRange(min=1)])
    reason = LineField(_l("保全原因"), validators=[DataRequired(), Length(max=200)])


class ReleaseForm(FlaskForm):
    pass


@bp.route("/purge-runs")
@roles_required(Role.ADMIN)
def purge_runs():
    runs = db.session.scalars(sa.select(PurgeRun).order_by(PurgeRun.id.desc()).limit(100)).all()
    held_ids = {pid for run in runs for pid in run.held_person_ids or []}
    names = {}
    if held_ids:
        names = dict(db.session.execute(sa.select(Person.id, Person.name).where(Person.id.in_(held_ids))).all())
    return render_template("records/purge_runs.html", runs=runs, names=names)


@bp.route("/holds", methods=["GET", "POST"])
@roles_required(*HOLDERS)
def holds():
    form = HoldForm()
    if form.validate_on_submit():
        subject = {f"{form.subject.data}_id": form.subject_id.data}
        try:
            set_hold(current_user, reason=form.reason.data, now=utcnow(), **subject)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("已设置法律保全：清理任务将跳过该对象。"), "success")
            return redirect(url_for("records.holds"))
    listed = db.session.scalars(holds_query(current_user).order_by(LegalHold.id.desc()).limit(200)).all()
    return render_template("records/holds.html", form=form, holds=listed, release_form=ReleaseForm())


@bp.route("/holds/<int:hold_id>/release", methods=["POST"])
@roles_required(*HOLDERS)
def release(hold_id: int):
    if not ReleaseForm().validate_on_submit():
        abort(400)
    if release_hold(current_user, hold_id, now=utcnow()):
        flash(_("已解除法律保全。"), "success")
    db.session.commit()
    return redirect(url_for("records.holds"))
