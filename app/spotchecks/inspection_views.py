"""逢查必考 inspections for staff: the list with its filters, opening an inspection (the draw), an inspection's page
with its tickets and findings, the report PDF, and the regulator's statistics. Thin: load in scope, ask the policy,
call ``app.spotchecks.inspections``, commit, redirect."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.policy import spotchecks as spot_policy
from app.auth.scope import one_or_404
from app.core.clock import local_today, to_local
from app.core.db import utcnow
from app.core.errors import DomainError
from app.core.forms import choices
from app.core.qr import qr_data_uri
from app.extensions import db
from app.people import scope as people_scope
from app.people import sections
from app.people.models import Employment, Person, Post
from app.spotchecks import bp, queries, report, tickets
from app.spotchecks import inspections as inspecting
from app.spotchecks import scope as spot_scope
from app.spotchecks.forms import AddPersonForm, InspectionForm, ReasonForm
from app.spotchecks.models import Finding, Inspection, InspectionState, SpotCheckTicket
from app.spotchecks.scope import STAFF
from app.tenancy.models import Enterprise, Industry


def _filters() -> queries.InspectionFilter:
    args = request.args
    return queries.InspectionFilter(
        enterprise_id=args.get("enterprise", type=int),
        industry=args.get("industry") or None,
        date_from=_date_arg("from"),
        date_to=_date_arg("to"),
        status=args.get("status") or None,
    )


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/spotchecks/")
@roles_required(*STAFF)
def inspections():
    flt = _filters()
    query = flt.apply(spot_scope.inspections_query(current_user)).order_by(
        Inspection.inspected_on.desc(), Inspection.id.desc()
    )
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=50, error_out=False)
    enterprises = db.session.scalars(people_scope.enterprises_query(current_user).order_by(Enterprise.name)).all()
    return render_template(
        "spotchecks/inspections.html",
        page=page,
        counts=queries.ticket_counts([i.id for i in page.items]),
        flt=flt,
        enterprises=enterprises,
        industries=list(Industry),
        states=list(InspectionState),
        caps=spot_policy.inspections_page(current_user),
    )


@bp.route("/spotchecks/new", methods=["GET", "POST"])
@roles_required(Role.REGULATOR)
def new_inspection():
    form = InspectionForm()
    enterprises = db.session.scalars(people_scope.enterprises_query(current_user).order_by(Enterprise.name)).all()
    templates = inspecting.spotcheck_templates(current_user)
    form.enterprise_id.choices = choices((e.id, f"{e.name}（{e.industry.label}）") for e in enterprises)
    form.template_id.choices = choices((t.id, t.name) for t in templates)
    if request.method == "GET":
        if wanted := request.args.get("enterprise", type=int):
            form.enterprise_id.data = people_scope.get_enterprise_or_404(current_user, wanted).id
        rule = current_app.config["SPOTCHECK_SAMPLE_RULE"]
        form.safety_manager.data, form.special_operator.data, form.worker.data = (
            rule["safety_manager"],
            rule["special_operator"],
            rule["worker"],
        )
        form.inspected_on.data = to_local(utcnow()).date()
        form.window_minutes.data = current_app.config["SPOTCHECK_WINDOW_MINUTES"]
        form.time_limit_minutes.data = current_app.config["SPOTCHECK_TIME_LIMIT_MINUTES"]
        form.pass_mark.data = current_app.config["SPOTCHECK_PASS_MARK"]
    if not templates:
        flash(_("没有可用的逢查必考试卷模板，请先由管理员在题库中建立模板。"), "error")
    if form.validate_on_submit():
        enterprise = next((e for e in enterprises if e.id == form.enterprise_id.data), None)
        template = next((t for t in templates if t.id == form.template_id.data), None)
        if enterprise is None:
            form.enterprise_id.errors.append(_("该企业不在您的辖区内，不能对其开展检查。"))
        elif template is not None:
            data = inspecting.InspectionData(
                inspected_on=form.inspected_on.data,
                inspectors=form.inspectors.data,
                doc_number=form.doc_number.data,
                template=template,
                rule={
                    "principal": 1,
                    "safety_manager": form.safety_manager.data,
                    "special_operator": form.special_operator.data,
                    "worker": form.worker.data,
                },
                window_minutes=form.window_minutes.data,
                time_limit_minutes=form.time_limit_minutes.data,
                pass_mark=form.pass_mark.data,
            )
            try:
                inspection = inspecting.open_inspection(data, enterprise, actor=current_user)
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
            else:
                db.session.commit()
                _flash_shortages(inspection)
                return redirect(url_for("spotchecks.inspection", inspection_id=inspection.id))
    return render_template("spotchecks/new.html", form=form, has_templates=bool(templates))


def _flash_shortages(inspection: Inspection) -> None:
    for s in inspection.shortages:
        if s["post"] == "principal":
            flash(_("该企业花名册中没有主要负责人：主要负责人必考，已记入检查记录，请责令企业补录花名册。"), "error")
        else:
            flash(
                _(
                    "%(post)s 应抽 %(wanted)s 人，花名册中仅有 %(available)s 人，已全部抽取。",
                    post=Post(s["post"]).label,
                    wanted=s["wanted"],
                    available=s["available"],
                ),
                "info",
            )


@bp.route("/spotchecks/<int:inspection_id>")
@roles_required(*STAFF)
def inspection(inspection_id: int):
    inspection = one_or_404(
        spot_scope.inspections_query(current_user)
        .where(Inspection.id == inspection_id)
        .options(so.selectinload(Inspection.tickets).joinedload(SpotCheckTicket.person))
    )  # the tickets with their people in one query, not one per ticket
    can_run = spot_scope.can_inspect(current_user, inspection.enterprise)
    drawn = inspection.tickets
    held = sections.certificates_of(current_user, [t.person_id for t in drawn])
    rows = []
    for t in drawn:
        entry = {"ticket": t, "url": None, "code": None, "qr": None, "certificates": held.get(t.person_id, [])}
        if can_run and inspection.is_open and t.is_live:
            token, code = tickets.ticket_secrets(t)
            entry["url"] = url_for("tickets.ticket", token=token, _external=True)
            entry["code"], entry["qr"] = code, qr_data_uri(entry["url"])
        rows.append(entry)
    findings = db.session.scalars(
        spot_scope.findings_query(current_user).where(Finding.inspection_id == inspection.id).order_by(Finding.id)
    ).all()
    sampled = {t.person_id for t in inspection.active_tickets}
    add_form = AddPersonForm()
    if can_run and inspection.is_open:
        add_form.person_id.choices = choices(
            (e.person_id, f"{e.person.name} · {e.post.label}")
            for e in _current_staff(inspection)
            if e.person_id not in sampled
        )
    return render_template(
        "spotchecks/inspection.html",
        inspection=inspection,
        tickets=rows,
        findings=findings,
        can_run=can_run,
        add_form=add_form,
        reason_form=ReasonForm(),
        today=local_today(),
        draw_ok=inspecting.verify_draw(inspection),
        show_seed=spot_policy.may_see_draw_seed(current_user, inspection),
        short_url=url_for("tickets.code_entry", _external=True),
    )


def _current_staff(inspection: Inspection) -> list[Employment]:
    return db.session.scalars(
        sa.select(Employment)
        .join(Employment.person)
        .where(Employment.enterprise_id == inspection.enterprise_id, Employment.end_date.is_(None))
        .order_by(Employment.post, Person.name)
    ).all()


@bp.route("/spotchecks/<int:inspection_id>/report.pdf")
@roles_required(*STAFF)
def report_pdf(inspection_id: int):
    inspection = spot_scope.get_inspection_or_404(current_user, inspection_id)
    findings = db.session.scalars(
        sa.select(Finding).where(Finding.inspection_id == inspection.id).order_by(Finding.id)
    ).all()
    link = url_for("spotchecks.inspection", inspection_id=inspection.id, _external=True)
    show_seed = spot_policy.may_see_draw_seed(current_user, inspection)
    pdf = report.render_pdf(report.report_context(inspection, findings, link=link, show_seed=show_seed))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="inspection-{inspection.id}.pdf"'
    return response


@bp.route("/spotchecks/stats")
@roles_required(Role.ADMIN, Role.REGULATOR)
def stats():
    flt = _filters()
    scoped = flt.apply(spot_scope.inspections_query(current_user))
    questions, topics = queries.most_missed(scoped)
    return render_template(
        "spotchecks/stats.html",
        rates=queries.pass_rates(scoped),
        questions=questions,
        topics=topics,
        flt=flt,
        industries=list(Industry),
    )
