"""Question imports into a bank: the upload (a large file is parsed by a task), the preview with every row error,
the confirmation (all or nothing, or only the valid rows), and the status the preview polls while a task applies it."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.scope import STAFF
from app.bank import bp, services, tasks
from app.bank import scope as bank_scope
from app.bank.forms import TYPE_LABELS, UPLOAD_EXTENSIONS, ConfirmImportForm, UploadForm, field_label, message_lang
from app.bank.models import Bank, BankImport, ImportMode, ImportState
from app.core.celery import enqueue_after_commit
from app.core.errors import DomainError
from app.extensions import db
from question_bank import ImportReport, RowError


@bp.route("/<int:bank_id>/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def import_questions(bank_id: int):
    """Upload: a small file is parsed at once, a large one by a task; then the preview."""
    bank = bank_scope.get_managed_bank_or_404(current_user, bank_id)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        batch = services.stage_import(upload.read(), upload.filename or "", bank=bank, actor_id=current_user.id)
        if batch.state is ImportState.PARSING:
            enqueue_after_commit(tasks.parse_import, batch.id)
        db.session.commit()
        return redirect(url_for("bank.import_preview", bank_id=bank.id, token=batch.token))
    return render_template("bank/import.html", bank=bank, form=form, extensions=UPLOAD_EXTENSIONS)


def _staged_import_or_404(bank: Bank, token: str) -> BankImport:
    batch = services.get_import(token, bank=bank, actor_id=current_user.id)
    if batch is None:
        abort(404)
    return batch


#: What the import report says each recognised column holds.
ROLE_LABELS = {
    "key": _l("编号"),
    "type": _l("题型"),
    "stem": _l("题干"),
    "options": _l("选项（一格内）"),
    "answer": _l("答案"),
    "explanation": _l("解析"),
    "difficulty": _l("难度"),
    "topic": _l("章节/知识点"),
    "post": _l("岗位"),
    "industry": _l("行业"),
    "operation": _l("作业类别"),
    "operation_soft": _l("作业种类"),
    "level": _l("认知层次"),
    "source": _l("来源"),
    "extra": _l("标签"),
    "version": _l("版本"),
    "image": _l("图片（未导入）"),
    **{f"option:{i}": _l("选项%(letter)s", letter=letter) for i, letter in enumerate("ABCDEFGH")},
}


@bp.route("/<int:bank_id>/import/<token>", methods=["GET", "POST"])
@roles_required(*STAFF)
def import_preview(bank_id: int, token: str):
    """Preview every row error, then confirm: all-or-nothing, or only the valid rows."""
    bank = bank_scope.get_managed_bank_or_404(current_user, bank_id)
    batch = _staged_import_or_404(bank, token)
    form = ConfirmImportForm()
    if form.validate_on_submit():
        try:
            services.claim_import(batch, ImportMode(form.mode.data))
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("bank.import_preview", bank_id=bank.id, token=token))
        threshold = current_app.config.get("BANK_INLINE_IMPORT_MAX", services.INLINE_IMPORT_MAX)
        if batch.question_count > threshold:
            enqueue_after_commit(tasks.apply_import, batch.id)
            db.session.commit()
            return redirect(url_for("bank.import_preview", bank_id=bank.id, token=token))
        try:
            counts = services.apply_import(batch)
        except sa.exc.IntegrityError:  # a concurrent import wrote the same key/version first
            db.session.rollback()
            flash(_("导入时题库已被其他操作修改，未导入任何题目，请重新确认。"), "error")
            return redirect(url_for("bank.import_preview", bank_id=bank.id, token=token))
        db.session.commit()
        flash(_result_text(counts), "success")
        return redirect(url_for("bank.import_preview", bank_id=bank.id, token=token))
    errors = [
        RowError(row=e["row"], field=e["field"], code=e["code"], params=e.get("params", {}), sheet=e.get("sheet", ""))
        for e in batch.errors
    ]
    if batch.state is ImportState.PARSING:
        return render_template("bank/import_parsing.html", bank=bank, batch=batch)
    questions = services.staged_questions(batch)
    plan = services.plan_import(bank, questions).counts() if batch.state is ImportState.STAGED else None
    report = ImportReport.from_dict(batch.report) if batch.report else None
    return render_template(
        "bank/import_preview.html",
        bank=bank,
        batch=batch,
        form=form,
        errors=errors,
        lang=message_lang(),
        sample=questions[:20],
        plan=plan,
        report=report,
        role_labels=ROLE_LABELS,
        type_labels=TYPE_LABELS,
        field_label=field_label,
        result_text=_result_text(batch.result) if batch.result else "",
    )


def _result_text(counts: dict) -> str:
    return _("新增 %(created)s 题，更新（新版本）%(updated)s 题，未变化 %(unchanged)s 题。", **counts)


@bp.route("/<int:bank_id>/import/<token>/status")
@roles_required(*STAFF)
def import_status(bank_id: int, token: str):
    """Small JSON the preview page polls while a Celery task applies the file."""
    bank = bank_scope.get_managed_bank_or_404(current_user, bank_id)
    batch = _staged_import_or_404(bank, token)
    db.session.refresh(batch)
    return jsonify(
        state=batch.state.value,
        state_label=batch.state.label,
        progress=batch.progress,
        finished=batch.finished,
        result=batch.result or {},
        result_text=_result_text(batch.result) if batch.result else "",
        message=batch.message if batch.state is ImportState.FAILED else "",
    )
