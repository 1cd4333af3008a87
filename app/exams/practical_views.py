"""实操 (practical exam) pages: the authority's sittings, enrolment and examiners, the examiners' scoring form (phone
or PC), the printable signed score sheet, and the platform admin's score sheets. Thin: load in scope, ask the
policy, call a service (``app.exams.practical``), commit, redirect."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.policy import exams as exam_policy
from app.auth.policy import people as people_policy
from app.auth.policy import roles as role_policy
from app.core.clock import local_today
from app.core.db import utcnow
from app.core.errors import DomainError
from app.core.forms import choices
from app.core.templating import format_score
from app.exams import practical_sheets
from app.exams import scope as exam_scope
from app.exams.forms import (
    PracticalCandidatesForm,
    PracticalExaminersForm,
    PracticalSittingForm,
    ScoreSheetForm,
    WithdrawForm,
)
from app.exams.models import Attempt
from app.exams.practical import candidates as practical_candidates
from app.exams.practical import outcomes as practical_outcomes
from app.exams.practical import reading as practical_reading
from app.exams.practical import scoring as practical_scoring
from app.exams.practical import sittings as practical_sittings
from app.exams.practical.models import PracticalAttempt, PracticalSitting, ScoreSheet
from app.extensions import db
from app.people.access_views import record_access
from app.people.models import AccessKind, Person
from app.people.scope import persons_query
from app.rules.queries import operation_choices

bp = Blueprint("practical", __name__)

STAFF = (Role.ADMIN, Role.REGULATOR)


@bp.app_template_global("my_practicals")
def my_practicals_for_current_user():
    """The worker's practical exams for their exam list (templates/exams/_my_exams.html)."""
    if not role_policy.is_own_candidate(current_user):
        return []
    return practical_reading.my_practicals(current_user.person_id, local_today())


def _examiner_label(user) -> str:
    return f"{user.label} · {user.jurisdiction.name}" if user.jurisdiction else user.label


# ---------------------------------------------------------------- sittings


@bp.route("/")
@roles_required(*STAFF)
def sittings():
    query = exam_scope.practical_sittings_query(current_user).order_by(
        PracticalSitting.exam_on.desc(), PracticalSitting.id.desc()
    )
    page_ = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=30, error_out=False)
    ids = [s.id for s in page_.items]
    counts = {
        sitting_id: (total, graded)
        for sitting_id, total, graded in db.session.execute(
            sa.select(
                PracticalAttempt.sitting_id,
                sa.func.count(),
                sa.func.count(PracticalAttempt.graded_at),
            )
            .where(PracticalAttempt.sitting_id.in_(ids))
            .group_by(PracticalAttempt.sitting_id)
        )
    }
    return render_template(
        "exams/practical_sittings.html",
        page=page_,
        counts=counts,
        today=local_today(),
        can_create=exam_policy.may_organise_practical(current_user),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.REGULATOR)
def new_sitting():
    if not exam_policy.may_organise_practical(current_user):
        abort(403)
    form = PracticalSittingForm()
    form.operation_code.choices = choices(operation_choices())
    form.examiner_ids.choices = choices(
        (u.id, _examiner_label(u)) for u in practical_sittings.examiner_choices(current_user.jurisdiction.code)
    )
    if request.method == "GET":
        form.exam_on.data = local_today() + timedelta(days=7)
    if form.validate_on_submit():
        try:
            sitting = practical_sittings.create_sitting(
                title=form.title.data or "",
                operation_code=form.operation_code.data,
                site_name=form.site_name.data,
                site_address=form.site_address.data or "",
                exam_on=form.exam_on.data,
                examiner_ids=form.examiner_ids.data or [],
                actor=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            sitting_id = sitting.id
            db.session.commit()
            flash(_("已安排实操考试场次，请添加考生。"), "success")
            return redirect(url_for("practical.sitting", practical_sitting_id=sitting_id))
    return render_template("exams/practical_new.html", form=form)


def _persons_in_scope() -> sa.Select:
    """Person ids the organiser may enrol: persons it reaches (the roster in its region), and candidates of the
    authority's own theory exams (跨省通办: a candidate employed elsewhere who passed its 资格考试)."""
    return sa.union(
        persons_query(current_user).with_only_columns(Person.id),
        exam_scope.attempts_query(current_user).with_only_columns(Attempt.person_id),
    )


@bp.route("/<int:practical_sitting_id>")
@roles_required(*STAFF)
def sitting(practical_sitting_id: int):
    sitting = exam_scope.get_practical_sitting_or_404(current_user, practical_sitting_id)
    today = local_today()
    rows = practical_reading.candidate_rows(sitting, today)
    organise = exam_policy.may_organise_practical(current_user, sitting)
    enrolled = {r.attempt.person_id for r in rows}
    candidates = []
    if organise:
        candidates = [
            (person, theory)
            for person, theory in practical_reading.theory_candidates(
                sitting.operation_code, sitting.exam_on, _persons_in_scope()
            )
            if person.id not in enrolled
        ]
    examiner_form = None
    if organise and not any(r.signatures for r in rows):
        examiner_form = PracticalExaminersForm()
        examiner_form.examiner_ids.choices = choices(
            (u.id, _examiner_label(u)) for u in practical_sittings.examiner_choices(sitting.region_code)
        )
        examiner_form.examiner_ids.data = sitting.examiner_ids
    return render_template(
        "exams/practical_sitting.html",
        sitting=sitting,
        rows=rows,
        today=today,
        can_organise=organise,
        can_score=exam_policy.may_score_practical(current_user, sitting),
        candidates=candidates,
        candidates_form=PracticalCandidatesForm(),
        examiner_form=examiner_form,
        withdraw_form=WithdrawForm(),
        me=current_user.id,
    )


def _organised_sitting(practical_sitting_id: int) -> PracticalSitting:
    sitting = exam_scope.get_practical_sitting_or_404(current_user, practical_sitting_id)
    if not exam_policy.may_organise_practical(current_user, sitting):
        abort(403)
    return sitting


@bp.route("/<int:practical_sitting_id>/candidates", methods=["POST"])
@roles_required(Role.REGULATOR)
def add_candidates(practical_sitting_id: int):
    sitting = _organised_sitting(practical_sitting_id)
    form = PracticalCandidatesForm()
    if not form.validate_on_submit():
        abort(400)
    wanted = [int(i) for i in form.person_ids.data or []]
    reachable = set(
        db.session.scalars(sa.select(Person.id).where(Person.id.in_(wanted), Person.id.in_(_persons_in_scope())))
    )
    try:
        added = practical_candidates.add_candidates(sitting, [i for i in wanted if i in reachable], actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已添加 %(n)s 名考生。", n=added), "success")
    return redirect(url_for("practical.sitting", practical_sitting_id=practical_sitting_id))


@bp.route("/<int:practical_sitting_id>/examiners", methods=["POST"])
@roles_required(Role.REGULATOR)
def set_examiners(practical_sitting_id: int):
    sitting = _organised_sitting(practical_sitting_id)
    form = PracticalExaminersForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        practical_sittings.set_examiners(sitting, form.examiner_ids.data or [])
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已更新考评员。"), "success")
    return redirect(url_for("practical.sitting", practical_sitting_id=practical_sitting_id))


@bp.route("/attempts/<int:practical_attempt_id>/withdraw", methods=["POST"])
@roles_required(Role.REGULATOR)
def withdraw(practical_attempt_id: int):
    attempt = exam_scope.get_practical_attempt_or_404(current_user, practical_attempt_id)
    sitting_id, name = attempt.sitting_id, attempt.person.name
    if not exam_policy.may_organise_practical(current_user, attempt.sitting):
        abort(403)
    form = WithdrawForm()
    try:
        practical_candidates.withdraw(attempt, form.withdraw_reason.data or "")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已撤销 %(name)s 的报名。", name=name), "success")
    return redirect(url_for("practical.sitting", practical_sitting_id=sitting_id))


# ---------------------------------------------------------------- scoring and the signed sheet


@bp.route("/attempts/<int:practical_attempt_id>/score", methods=["GET", "POST"])
@roles_required(Role.REGULATOR)
def score(practical_attempt_id: int):
    """The examiner's form: every item's points (and the 否决项 failed), signed by submitting it with their login."""
    attempt = exam_scope.get_practical_attempt_or_404(current_user, practical_attempt_id)
    sitting = attempt.sitting
    if not exam_policy.may_score_practical(current_user, sitting):
        abort(403)
    form = FlaskForm()
    entered: dict[str, str] = {}
    vetoes: list[str] = []
    if request.method == "POST":
        entered = {item["code"]: request.form.get(f"score-{item['code']}", "") for item in sitting.items}
        vetoes = request.form.getlist("veto")
        try:
            practical_scoring.sign(
                attempt,
                current_user,
                entered,
                vetoes,
                ip=request.remote_addr or "",
                user_agent=request.user_agent.string,
                now=utcnow(),
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            name, graded = attempt.person.name, attempt.graded_at is not None
            score, passed = format_score(attempt.score), attempt.passed
            sitting_id = attempt.sitting_id
            db.session.commit()
            if graded:
                flash(
                    _(
                        "已签名。%(name)s 的实操成绩已生成：%(score)s 分，%(result)s。",
                        name=name,
                        score=score,
                        result=_("合格") if passed else _("不合格"),
                    ),
                    "success",
                )
            else:
                flash(_("已签名提交 %(name)s 的评分，等待其他考评员签名。", name=name), "success")
            return redirect(url_for("practical.sitting", practical_sitting_id=sitting_id))
    today = local_today()
    return render_template(
        "exams/practical_score.html",
        form=form,
        attempt=attempt,
        sitting=sitting,
        entered=entered,
        vetoes=vetoes,
        signed=practical_scoring.has_signed(attempt, current_user.id),
        not_yet=today < sitting.exam_on,
    )


@bp.route("/attempts/<int:practical_attempt_id>/sheet")
@roles_required(Role.ADMIN, Role.REGULATOR, Role.WORKER)
def sheet(practical_attempt_id: int):
    """The signed score sheet, printable: items, each examiner's points and signature time, the result."""
    attempt = exam_scope.get_practical_attempt_or_404(current_user, practical_attempt_id)
    today = local_today()
    if people_policy.may_see_full_id(current_user, attempt.person):
        record_access(current_user, attempt.person_id, AccessKind.FULL_ID)
    return render_template(
        "exams/practical_sheet.html",
        attempt=attempt,
        sitting=attempt.sitting,
        signatures=practical_scoring.signatures_of(attempt),
        outcome=practical_outcomes.outcome(attempt, today),
        attempts_allowed=practical_outcomes.attempts_allowed(attempt),
        show_full_id=people_policy.may_see_full_id(current_user, attempt.person),
        show_ip=exam_policy.may_see_signing_details(current_user, attempt.sitting),
        back_url=url_for("exams.mine")
        if role_policy.is_candidate(current_user)
        else url_for("practical.sitting", practical_sitting_id=attempt.sitting_id),
    )


# ---------------------------------------------------------------- score sheets (platform admin, beside the rules)


@bp.route("/sheets")
@roles_required(Role.ADMIN)
def sheets():
    versions = practical_sheets.all_sheets()
    return render_template(
        "exams/practical_sheets.html",
        sheets=versions,
        used={s.id for s in versions if practical_sheets.in_use(s)},
        today=local_today(),
    )


def _sheet_form(source: ScoreSheet | None) -> ScoreSheetForm:
    form = ScoreSheetForm()
    form.operation_code.choices = choices(operation_choices())
    if request.method == "GET" and source is not None:
        form.operation_code.data, form.title.data, form.note.data = source.operation_code, source.title, source.note
        for row, item in zip(form.items, source.items):
            row.form.code.data, row.form.name.data = item.code, item.name
            row.form.max_points.data, row.form.critical.data = f"{item.max_points:g}", item.critical
    return form


def _save_sheet(form: ScoreSheetForm, sheet: ScoreSheet | None):
    try:
        saved = practical_sheets.save_sheet(
            sheet,
            operation_code=form.operation_code.data,
            title=form.title.data,
            valid_from=form.valid_from.data,
            note=form.note.data or "",
            items=[
                practical_sheets.ItemData(
                    r.form.code.data or "", r.form.name.data or "", r.form.max_points.data or "", r.form.critical.data
                )
                for r in form.items
            ],
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return None
    label = f"{saved.operation_code} {saved.title}"
    db.session.commit()
    flash(_("已保存评分表 %(title)s。", title=label), "success")
    return redirect(url_for("practical.sheets"))


@bp.route("/sheets/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_sheet():
    """A new score sheet, or (``?from=<id>``) a new version of one, taking effect on the date entered."""
    source = db.session.get(ScoreSheet, request.args.get("from", type=int) or 0)
    form = _sheet_form(source)
    if request.method == "GET":
        form.valid_from.data = local_today()
    if form.validate_on_submit() and (done := _save_sheet(form, None)) is not None:
        return done
    return render_template("exams/practical_sheet_form.html", form=form, sheet=None, source=source)


@bp.route("/sheets/<int:score_sheet_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_sheet(score_sheet_id: int):
    sheet = db.get_or_404(ScoreSheet, score_sheet_id)
    form = _sheet_form(sheet)
    if request.method == "GET":
        form.valid_from.data = sheet.valid_from
    if form.validate_on_submit() and (done := _save_sheet(form, sheet)) is not None:
        return done
    return render_template(
        "exams/practical_sheet_form.html", form=form, sheet=sheet, source=None, locked=practical_sheets.in_use(sheet)
    )
