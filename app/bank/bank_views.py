"""题库 pages: the banks a user reads or manages, creating one (the platform's, or the user's own), a bank's page
with its questions and tags, exports in each format, and the import template. Thin: load in scope
(``app.bank.scope``), check the right to manage, call a service, commit, redirect."""

from __future__ import annotations

import io
from collections import Counter

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth import scope
from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.ownership import OwnerScope
from app.auth.policy import exams as exam_policy
from app.auth.policy import roles as role_policy
from app.auth.scope import STAFF
from app.bank import bp, services
from app.bank import scope as bank_scope
from app.bank.forms import TYPE_LABELS, BankForm
from app.bank.models import Bank, BankQuestion
from app.bank.queries import OPERATION_CODE, live_questions, question_index, tagged_for_operation
from app.core.forms import choices
from app.extensions import db
from app.rules.queries import operation_choices
from app.tenancy.models import Jurisdiction
from question_bank import LEVELS, POSTS, template_xlsx, write_questions

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
        exam_policy.may_create_own_bank(current_user)
        and owner is not None
        and not any(bank_scope.can_manage_bank(current_user, b) for b in banks)
    )
    form = _bank_form() if role_policy.is_platform_admin(current_user) else None
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
        show_answers=exam_policy.may_see_answer_key(current_user, [bank]),
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
    bank = bank_scope.get_managed_bank_or_404(current_user, bank_id)
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
