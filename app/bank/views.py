"""题库 pages: banks, their questions, imports with preview, exports, and paper templates (组卷规则).

Thin views: load in scope (``app.auth.scope``), check the right to manage, call a service, commit, redirect.
"""

from __future__ import annotations

import io
import re
import secrets
from collections import Counter

import sqlalchemy as sa
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth import policy, scope
from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.ownership import OwnerScope
from app.bank import bp, services, tasks
from app.bank import scope as bank_scope
from app.bank.forms import (
    TYPE_LABELS,
    UPLOAD_EXTENSIONS,
    BankForm,
    ConfirmImportForm,
    FormProblem,
    QuestionForm,
    TemplateForm,
    UploadForm,
    field_label,
    question_form_data,
    question_from_form,
    spec_from_form,
    template_form_data,
)
from app.bank.models import Bank, BankImport, BankQuestion, ImportMode, ImportState, PaperTemplate
from app.bank.queries import OPERATION_CODE, banks_by_id, live_questions, question_index, tagged_for_operation
from app.core.celery import enqueue_after_commit
from app.core.errors import DomainError
from app.core.forms import choices
from app.core.web import safe_next
from app.extensions import db
from app.people.models import Jurisdiction
from app.rules.queries import operation_choices
from question_bank import (
    LEVELS,
    POSTS,
    ImportReport,
    InsufficientQuestions,
    QuestionType,
    RowError,
    assemble_paper,
    template_xlsx,
    validate_question,
    write_questions,
)

STAFF = (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.INSTITUTION)
PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Export formats: file extension, MIME type, the button's label.
EXPORTS = {
    "xlsx_packed": ("xlsx", XLSX, _l("Excel（选项在一格，常见题库格式）")),
    "xlsx": ("xlsx", XLSX, _l("Excel（每个选项一列）")),
    "json": ("json", "application/json", "JSON"),
    "moodle": ("xml", "application/xml", "Moodle XML"),
    "gift": ("gift", "text/plain", "GIFT"),
}


def _lang() -> str:
    return "zh" if str(get_locale()).startswith("zh") else "en"


def _managed_bank_or_404(bank_id: int) -> Bank:
    bank = bank_scope.get_bank_or_404(current_user, bank_id)
    if not bank_scope.can_manage_bank(current_user, bank):
        abort(403)
    return bank


def _problem_text(problem) -> str:
    """A validation problem without the "第?行：" prefix the library adds for file rows."""
    return re.sub(r"^(第\?行：|Row \?: )", "", problem.message(_lang()))


# ---------------------------------------------------------------- banks


@bp.route("/")
@roles_required(*STAFF)
def index():
    banks = db.session.scalars(bank_scope.banks_query(current_user).order_by(Bank.scope, Bank.name, Bank.id)).all()
    counts = dict(
        db.session.execute(
            sa.select(BankQuestion.bank_id, sa.func.count())
            .where(
                BankQuestion.bank_id.in_([b.id for b in banks]),
                BankQuestion.current.is_(True),
                BankQuestion.retired.is_(False),
            )
            .group_by(BankQuestion.bank_id)
        ).all()
    )
    owner = scope.own_scope(current_user)
    can_create_own = (
        policy.may_create_own_bank(current_user)
        and owner is not None
        and not any(bank_scope.can_manage_bank(current_user, b) for b in banks)
    )
    form = _bank_form() if policy.is_platform_admin(current_user) else None
    return render_template(
        "bank/index.html",
        banks=banks,
        counts=counts,
        form=form,
        can_create_own=can_create_own,
        can_manage=lambda b: bank_scope.can_manage_bank(current_user, b),
    )


def _bank_form() -> BankForm:
    form = BankForm()
    jurisdictions = db.session.scalars(sa.select(Jurisdiction).order_by(Jurisdiction.code)).all()
    form.region.choices = choices([("", "—")] + [(j.code, f"{j.code} {j.name}") for j in jurisdictions])
    return form


@bp.route("/new", methods=["POST"])
@roles_required(Role.ADMIN)
def new_bank():
    form = _bank_form()
    if not form.validate_on_submit():
        flash(_("请填写题库名称。"), "error")
        return redirect(url_for("bank.index"))
    bank_scope = OwnerScope(form.scope.data)
    valid_regions = {c.value for c in form.region.choices if c.value}
    if bank_scope is OwnerScope.REGIONAL and form.region.data not in valid_regions:
        flash(_("地方题库需要选择适用地区。"), "error")
        return redirect(url_for("bank.index"))
    bank = services.create_bank(form.name.data, scope=bank_scope, region_code=form.region.data or "")
    db.session.commit()
    flash(_("已建立题库 %(name)s。", name=bank.name), "success")
    return redirect(url_for("bank.bank", bank_id=bank.id))


@bp.route("/own", methods=["POST"])
@roles_required(Role.ENTERPRISE, Role.INSTITUTION)
def own_bank():
    """Create the enterprise's or institution's own bank on first use (idempotent)."""
    owner = scope.own_scope(current_user)
    if owner is None:
        abort(403)
    unit = current_user.enterprise or current_user.institution
    bank = services.own_bank(owner, name=_("%(name)s自建题库", name=unit.name), create=True)
    db.session.commit()
    return redirect(url_for("bank.bank", bank_id=bank.id))


@bp.route("/<int:bank_id>")
@roles_required(*STAFF)
def bank(bank_id: int):
    """Questions of a bank with filters, paging and counts per tag; answers only for managers."""
    bank = bank_scope.get_bank_or_404(current_user, bank_id)
    manage = bank_scope.can_manage_bank(current_user, bank)
    args = request.args
    query = sa.select(BankQuestion).where(BankQuestion.bank_id == bank.id, BankQuestion.current.is_(True))
    status = args.get("status", "live") if manage else "live"
    if status == "retired":
        query = query.where(BankQuestion.retired.is_(True))
    elif status != "all":
        query = query.where(BankQuestion.retired.is_(False))
    if (qtype := args.get("type")) in TYPE_LABELS:
        query = query.where(BankQuestion.type == qtype)
    if topic := args.get("topic", "").strip():
        query = query.where(BankQuestion.topic == topic)
    if (level := args.get("level")) in LEVELS:
        query = query.where(BankQuestion.level == level)
    if (difficulty := args.get("difficulty", type=int)) in range(1, 6):
        query = query.where(BankQuestion.difficulty == difficulty)
    if (post := args.get("post")) in POSTS:
        # Post codes are ASCII identifiers, so a text match on the stored JSON works on SQLite and PostgreSQL.
        query = query.where(sa.cast(BankQuestion.tags, sa.Text).like(f'%"{post}"%'))
    if OPERATION_CODE.fullmatch(operation := args.get("operation", "").strip()):
        query = query.where(tagged_for_operation(operation))
    if q := args.get("q", "").strip():
        query = query.where(sa.or_(BankQuestion.stem.contains(q, autoescape=True), BankQuestion.key == q))
    page = db.paginate(
        query.order_by(BankQuestion.key), page=args.get("page", 1, type=int), per_page=PAGE_SIZE, error_out=False
    )
    return render_template(
        "bank/bank.html",
        bank=bank,
        page=page,
        manage=manage,
        show_answers=policy.may_see_answer_key(current_user, [bank]),
        tag_counts=_tag_counts(bank),
        type_labels=TYPE_LABELS,
        posts=POSTS,
        levels=LEVELS,
        status=status,
        operations=[("", _("全部")), *operation_choices(categories=True)],
        letters="ABCDEFGH",
        export_formats=[(fmt, label) for fmt, (_ext, _mime, label) in EXPORTS.items()],
    )


def _tag_counts(bank: Bank) -> dict[str, list[tuple[str, int]]]:
    """Live questions per type, topic, post and level, from the cached index (no per-request scan of the table)."""
    questions = question_index([bank.id]).questions
    counts = {
        "type": Counter(q.type.value for q in questions),
        "topic": Counter(q.tags.topic or "—" for q in questions),
        "post": Counter(p for q in questions for p in q.tags.post),
        "level": Counter(q.tags.level or "—" for q in questions),
    }
    return {"total": len(questions), **{k: c.most_common() for k, c in counts.items()}}


@bp.route("/<int:bank_id>/export/<fmt>")
@roles_required(*STAFF)
def export(bank_id: int, fmt: str):
    bank = _managed_bank_or_404(bank_id)
    if fmt not in EXPORTS:
        abort(404)
    rows = db.session.scalars(live_questions([bank.id]).order_by(BankQuestion.key)).all()
    extension, mimetype, _label = EXPORTS[fmt]
    data = write_questions([row.to_question() for row in rows], fmt)
    return send_file(
        io.BytesIO(data), download_name=f"bank-{bank.id}.{extension}", as_attachment=True, mimetype=mimetype
    )


@bp.route("/template.xlsx")
@roles_required(*STAFF)
def import_template():
    return send_file(
        io.BytesIO(template_xlsx()),
        download_name="question-template.xlsx",
        as_attachment=True,
        mimetype=EXPORTS["xlsx"][1],
    )


# ---------------------------------------------------------------- import


@bp.route("/<int:bank_id>/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def import_questions(bank_id: int):
    """Upload: a small file is parsed at once, a large one by a task; then the preview."""
    bank = _managed_bank_or_404(bank_id)
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
    bank = _managed_bank_or_404(bank_id)
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
        lang=_lang(),
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
    bank = _managed_bank_or_404(bank_id)
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


# ---------------------------------------------------------------- questions


def _question_or_404(bank: Bank, question_id: int) -> BankQuestion:
    return db.first_or_404(
        sa.select(BankQuestion).where(BankQuestion.id == question_id, BankQuestion.bank_id == bank.id)
    )


@bp.route("/<int:bank_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit_question(bank_id: int, question_id: int):
    bank = _managed_bank_or_404(bank_id)
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
                new = services.edit_question(row, edited, actor_id=current_user.id)
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
    bank = _managed_bank_or_404(bank_id)
    row = _question_or_404(bank, question_id)
    if not row.current:
        abort(404)
    retire = request.form.get("retire", "1") == "1"
    services.set_retired(row, retire)
    db.session.commit()
    flash(_("已停用该题，新组卷不再抽取。") if retire else _("已恢复该题。"), "success")
    return redirect(safe_next(request.form.get("next"), url_for("bank.bank", bank_id=bank.id)))


# ---------------------------------------------------------------- paper templates


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
        show_answers=paper is not None and policy.may_see_answer_key(current_user, banks_by_id(form.banks.data)),
    )
