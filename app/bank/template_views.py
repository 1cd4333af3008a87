"""Paper templates (组卷规则): the list, a new template, and a template's page with its spec checked against the
banks it draws from."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import scope
from app.auth.access import roles_required
from app.auth.policy import exams as exam_policy
from app.auth.scope import STAFF
from app.bank import bp, services
from app.bank import scope as bank_scope
from app.bank.forms import TYPE_LABELS, TemplateForm, spec_from_form, template_form_data
from app.bank.models import Bank, PaperTemplate
from app.bank.queries import banks_by_id, question_index
from app.core.forms import choices
from app.extensions import db
from question_bank import InsufficientQuestions, assemble_paper


@bp.route("/templates/")
@roles_required(*STAFF)
def templates():
    items = db.session.scalars(
        bank_scope.templates_query(current_user).order_by(PaperTemplate.scope, PaperTemplate.name)
    ).all()
    return render_template(
        "bank/templates.html",
        templates=items,
        can_create=scope.own_scope(current_user) is not None,
        can_manage=lambda t: bank_scope.can_manage_template(current_user, t),
    )


@bp.route("/templates/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new_template():
    owner = scope.own_scope(current_user)
    if owner is None:
        abort(403)
    return _template_page(None, owner=owner, manage=True)


@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def template(template_id: int):
    template = bank_scope.get_template_or_404(current_user, template_id)
    return _template_page(template, owner=None, manage=bank_scope.can_manage_template(current_user, template))


def _template_page(template: PaperTemplate | None, *, owner: dict | None, manage: bool):
    """One page for edit, "检查题量" (availability) and "预览样卷" (a sample paper); only "保存" writes."""
    form = TemplateForm(data=template_form_data(template) if template is not None and request.method == "GET" else None)
    usable = db.session.scalars(bank_scope.banks_query(current_user).order_by(Bank.scope, Bank.name)).all()
    form.banks.choices = choices((b.id, f"{b.name}（{b.scope.label}）") for b in usable)
    if request.method == "GET" and template is None and usable:
        form.banks.data = [usable[0].id]
    problems: dict[str, str] = {}
    availability = paper = shortages = None
    if form.validate_on_submit():
        spec, problems = spec_from_form(form)
        if not form.banks.data:
            problems["banks"] = _("请至少选择一个题库。")
        if not problems:
            index = question_index(form.banks.data)
            if "check" in request.form:
                availability = index.availability(spec)
            elif "preview" in request.form:
                try:
                    paper = assemble_paper(spec, index, seed=secrets.randbelow(2**31))
                except InsufficientQuestions as exc:
                    shortages = exc.shortages
            else:
                if not manage:
                    abort(403)
                template = services.save_template(
                    template,
                    spec=spec,
                    bank_ids=form.banks.data,
                    allow_review=form.allow_review.data,
                    allow_makeup=form.allow_makeup.data,
                    owner=owner,
                )
                db.session.commit()
                flash(_("已保存组卷规则 %(name)s。", name=template.name), "success")
                return redirect(url_for("bank.template", template_id=template.id))
    return render_template(
        "bank/template_form.html",
        form=form,
        template=template,
        manage=manage,
        problems=problems,
        availability=availability,
        paper=paper,
        shortages=shortages,
        type_labels=TYPE_LABELS,
        letters="ABCDEFGH",
        show_answers=paper is not None and exam_policy.may_see_answer_key(current_user, banks_by_id(form.banks.data)),
    )
