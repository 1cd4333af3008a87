"""One question of a bank: editing it (a new version; papers already sat keep their snapshot) and retiring or
restoring it."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.scope import STAFF
from app.bank import bp, services
from app.bank import scope as bank_scope
from app.bank.forms import TYPE_LABELS, FormProblem, QuestionForm, message_lang, question_form_data, question_from_form
from app.bank.models import Bank, BankQuestion
from app.core.errors import DomainError
from app.core.web import safe_next
from app.extensions import db
from question_bank import QuestionType, validate_question


def _problem_text(problem) -> str:
    """A validation problem without the "第?行：" prefix the library adds for file rows."""
    return re.sub(r"^(第\?行：|Row \?: )", "", problem.message(message_lang()))


def _question_or_404(bank: Bank, question_id: int) -> BankQuestion:
    return db.first_or_404(
        sa.select(BankQuestion).where(BankQuestion.id == question_id, BankQuestion.bank_id == bank.id)
    )


@bp.route("/<int:bank_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit_question(bank_id: int, question_id: int):
    bank = bank_scope.get_managed_bank_or_404(current_user, bank_id)
    row = _question_or_404(bank, question_id)
    if not row.current:
        current = db.first_or_404(
            sa.select(BankQuestion).where(
                BankQuestion.bank_id == bank.id, BankQuestion.key == row.key, BankQuestion.current.is_(True)
            )
        )
        return redirect(url_for("bank.edit_question", bank_id=bank.id, question_id=current.id))
    base = row.to_question()
    form = QuestionForm(data=None if request.method == "POST" else question_form_data(base))
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            edited = question_from_form(form, base)
        except FormProblem as exc:
            getattr(form, exc.field).errors.append(exc.message)
        else:
            problems = [_problem_text(p) for p in validate_question(edited)]
            if not problems:
                try:
                    new = services.edit_question(row, edited, actor_id=current_user.id)
                except DomainError as exc:  # a new version was saved meanwhile: edit that one
                    db.session.rollback()
                    flash(exc.message, "error")
                    return redirect(url_for("bank.edit_question", bank_id=bank.id, question_id=question_id))
                db.session.commit()
                flash(
                    _("已保存为第 %(version)s 版；已考试卷保留原题快照。", version=new.version)
                    if new
                    else _("内容没有变化。"),
                    "success",
                )
                return redirect(url_for("bank.bank", bank_id=bank.id, q=row.key))
    versions = db.session.scalars(
        sa.select(BankQuestion)
        .where(BankQuestion.bank_id == bank.id, BankQuestion.key == row.key)
        .order_by(BankQuestion.version.desc())
    ).all()
    return render_template(
        "bank/question_form.html",
        bank=bank,
        row=row,
        form=form,
        problems=problems,
        versions=versions,
        type_labels=TYPE_LABELS,
        is_choice=base.type in (QuestionType.SINGLE, QuestionType.MULTIPLE),
    )


@bp.route("/<int:bank_id>/questions/<int:question_id>/retire", methods=["POST"])
@roles_required(*STAFF)
def retire_question(bank_id: int, question_id: int):
    bank = bank_scope.get_managed_bank_or_404(current_user, bank_id)
    row = _question_or_404(bank, question_id)
    if not row.current:
        abort(404)
    retire = request.form.get("retire", "1") == "1"
    try:
        services.set_retired(row, retire)
    except DomainError as exc:  # a new version was saved meanwhile: decide on that one
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已停用该题，新组卷不再抽取。") if retire else _("已恢复该题。"), "success")
    return redirect(safe_next(request.form.get("next"), url_for("bank.bank", bank_id=bank.id)))
