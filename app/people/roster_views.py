"""花名册: the roster of current (or ended) employments in scope, adding a person to it, editing and ending an
employment. Thin: load in scope, call a service, commit, redirect."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.policy import people as people_policy
from app.auth.policy import roles as role_policy
from app.core.clock import local_today
from app.core.errors import DomainError
from app.core.forms import choices
from app.extensions import db
from app.people import bp
from app.people import scope as people_scope
from app.people.forms import EditEmploymentForm, EndEmploymentForm, PersonForm
from app.people.identifiers import IdentifierError, parse_resident_id
from app.people.models import Employment, EmploymentType, IdType, Person, Post
from app.people.services import PersonData, employ, end_employment, find_person, update_employment
from app.rules.queries import operation_choices
from app.tenancy.models import Enterprise


@bp.app_template_filter("post_label")
def post_label(value):
    """A post's label from its stored value (``special_operator`` → 特种作业人员)."""
    return Post(value).label if value in Post._value2member_map_ else value


@bp.route("/people/")
@roles_required(Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE)
def roster():
    """花名册: current employments in scope, searchable by name or full 证件号码, filterable by post."""
    query = people_scope.employments_query(current_user).join(Employment.person).join(Employment.enterprise)
    enterprise = None
    if enterprise_id := request.args.get("enterprise", type=int):
        enterprise = people_scope.get_enterprise_or_404(current_user, enterprise_id)
        query = query.where(Employment.enterprise_id == enterprise.id)
    if request.args.get("status") != "ended":
        query = query.where(Employment.end_date.is_(None))
    else:
        query = query.where(Employment.end_date.is_not(None))
    if post := request.args.get("post"):
        query = query.where(Employment.post == Post(post)) if post in Post._value2member_map_ else query
    if q := request.args.get("q", "").strip():
        query = query.where(_search_condition(q))
    query = query.order_by(Enterprise.name, Person.name, Employment.id)
    page = db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["ROSTER_PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "people/roster.html",
        page=page,
        enterprise=enterprise,
        posts=list(Post),
        q=q,
        caps=people_policy.roster_page(
            current_user,
            enterprise_chosen=enterprise is not None,
            manages_chosen=enterprise is not None and people_scope.can_manage_roster(current_user, enterprise),
        ),
    )


def _search_condition(q: str):
    """A full 证件号码 is matched through its blind index; anything else searches the name."""
    ids = []
    for id_type in IdType:  # the blind index is keyed by 证件类型, and the types share one format
        try:
            number = parse_resident_id(q, id_type=id_type.value).number
        except IdentifierError:
            continue
        if person := find_person(id_type, number):
            ids.append(person.id)
    if not ids and not re.fullmatch(r"[\dXx\s-]{15,}", q):
        return Person.name.contains(q, autoescape=True)
    return Person.id.in_(ids) if ids else sa.false()


def roster_enterprise() -> Enterprise:
    """The enterprise whose roster is being changed (here and on the import pages): the admin's own, or
    ?enterprise= for the platform admin."""
    if role_policy.acts_for_own_enterprise(current_user):
        return people_scope.get_enterprise_or_404(current_user, current_user.enterprise_id)
    enterprise = people_scope.get_enterprise_or_404(current_user, request.args.get("enterprise", type=int) or 0)
    if not people_scope.can_manage_roster(current_user, enterprise):
        abort(403)
    return enterprise


def _fill_operation_choices(form) -> None:
    form.operation_code.choices = choices([("", _("（非特种作业）")), *operation_choices()])


@bp.route("/people/new", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE, Role.ADMIN)
def new_person():
    enterprise = roster_enterprise()
    form = PersonForm()
    _fill_operation_choices(form)
    if request.method == "GET":
        form.start_date.data = local_today()
    if form.validate_on_submit():
        data = PersonData(
            name=form.name.data.strip(),
            id_type=IdType(form.id_type.data),
            id_number=form.id_number.data,
            phone=form.phone.data or "",
            education=form.education.data or "",
            post=Post(form.post.data),
            employment_type=EmploymentType(form.employment_type.data),
            operation_code=form.operation_code.data or None,
            job_title=form.job_title.data or "",
            start_date=form.start_date.data,
        )
        try:
            employment = employ(data, enterprise, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            field = (
                form.id_number
                if exc.code.startswith("id.")
                else form.operation_code
                if exc.code.startswith("operation.")
                else form.name
                if exc.code == "person.name_mismatch"
                else None
            )
            (field.errors.append if field is not None else lambda m: flash(m, "error"))(exc.message)
        else:
            db.session.commit()
            flash(_("已将 %(name)s 加入花名册。", name=employment.person.name), "success")
            if data.phone and data.phone != employment.person.phone:
                flash(_("该人员已登记，手机号未更改：共享信息只能由本人、监管部门或其唯一在职单位更正。"), "info")
            return redirect(url_for("people.person", person_id=employment.person_id))
    return render_template("people/person_form.html", form=form, enterprise=enterprise, employment=None)


@bp.route("/employments/<int:employment_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE, Role.ADMIN)
def edit_employment(employment_id: int):
    employment = people_scope.get_employment_or_404(current_user, employment_id)
    if not people_scope.can_manage_roster(current_user, employment.enterprise) or not employment.is_current:
        abort(403)
    person = employment.person
    # a pending employer does not read the shared phone and education (left empty, they stay as they are)
    shared = people_scope.sees_full_record(current_user, person.id)
    form = EditEmploymentForm(obj=None if request.method == "POST" else _edit_defaults(employment, shared=shared))
    _fill_operation_choices(form)
    if form.validate_on_submit():
        try:
            update_employment(
                employment,
                actor=current_user,
                name=form.name.data.strip(),
                phone=(form.phone.data or "") if shared or form.phone.data else person.phone,
                education=(form.education.data or "") if shared or form.education.data else person.education,
                post=Post(form.post.data),
                employment_type=EmploymentType(form.employment_type.data),
                operation_code=form.operation_code.data or None,
                job_title=form.job_title.data or "",
            )
        except DomainError as exc:
            db.session.rollback()
            field = getattr(form, exc.params.get("field_key", ""), None) or form.operation_code
            field.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("已保存。"), "success")
            return redirect(url_for("people.person", person_id=person.id))
    return render_template(
        "people/person_form.html", form=form, enterprise=employment.enterprise, employment=employment
    )


def _edit_defaults(employment: Employment, *, shared: bool):
    class Defaults:
        name = employment.person.name
        phone = employment.person.phone if shared else ""
        education = employment.person.education if shared else ""
        post = employment.post.value
        employment_type = employment.employment_type.value
        operation_code = employment.operation_code or ""
        job_title = employment.job_title

    return Defaults


@bp.route("/employments/<int:employment_id>/end", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE, Role.ADMIN)
def end_employment_view(employment_id: int):
    employment = people_scope.get_employment_or_404(current_user, employment_id)
    if not people_scope.can_manage_roster(current_user, employment.enterprise):
        abort(403)
    form = EndEmploymentForm()
    if request.method == "GET":
        form.end_date.data = local_today()
    if form.validate_on_submit():
        try:
            end_employment(employment, actor=current_user, end_date=form.end_date.data, reason=form.reason.data or "")
        except DomainError as exc:
            db.session.rollback()
            form.end_date.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("%(name)s 的任职已结束。", name=employment.person.name), "success")
            return redirect(url_for("people.person", person_id=employment.person_id))
    return render_template("people/end_employment.html", form=form, employment=employment)
