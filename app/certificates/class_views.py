"""Issuing 培训合格证明 for a class (班次): the class's trainees with their certificate or the reason they cannot
have one yet, a bulk issue for everyone who completed and one per trainee. The organiser issues; whoever sees the
class sees the list."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.certificates import bp, class_certificates, tasks
from app.certificates.forms import ClassIssueForm
from app.core.celery import enqueue_after_commit
from app.core.errors import DomainError
from app.core.web import whole_number
from app.extensions import db
from app.training import scope as training_scope

STAFF = (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.INSTITUTION)


@bp.route("/classes/<int:class_id>/issue", methods=["GET", "POST"])
@roles_required(*STAFF)
def issue_class(class_id: int):
    """GET: the list. POST ``person_ids`` (one or several): issue to those; no ``person_ids``: to everyone who
    completed and holds none yet."""
    training_class = training_scope.get_class_or_404(current_user, class_id)
    may_issue = class_certificates.may_issue(current_user, training_class)
    form = ClassIssueForm()
    if request.method == "POST":
        if not may_issue:
            abort(403)
        if not form.validate_on_submit():
            abort(400)
        chosen = [n for x in request.form.getlist("person_ids") if (n := whole_number(x)) is not None] or None
        try:
            result = class_certificates.issue_bulk(training_class, actor=current_user, person_ids=chosen)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("certificates.issue_class", class_id=class_id))
        if result.issued:
            enqueue_after_commit(tasks.render_pending, [c.id for c in result.issued])
        db.session.commit()
        flash(_("已签发培训合格证明 %(n)s 人", n=len(result.issued)), "success" if result.issued else "error")
        for outcome in result.refused:
            flash(f"{outcome.person.name}：{outcome.refusal.message}", "error")
        back = request.form.get("back")
        if back == "class":
            return redirect(url_for("training.class_page", class_id=class_id))
        return redirect(url_for("certificates.issue_class", class_id=class_id))
    outcomes = class_certificates.preview(
        training_class, training_scope.roster_person_filter(current_user, training_class)
    )
    return render_template(
        "certificates/issue_class.html",
        training_class=training_class,
        outcomes=outcomes,
        form=form,
        may_issue=may_issue,
        eligible=sum(1 for o in outcomes if o.certificate is None and o.refusal is None),
    )
