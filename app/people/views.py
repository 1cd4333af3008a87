"""Roster (一人一档 list), person files, enterprises. Thin: load in scope, call a service, commit, redirect."""

import re

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import policy
from app.auth.access import roles_required
from app.auth.models import Role
from app.core.clock import local_today
from app.core.errors import DomainError
from app.core.forms import choices
from app.core.messages import message_for
from app.core.storage import send_stored
from app.extensions import db
from app.people import access_views as _access_views  # noqa: F401  (registers the 查阅记录 routes)
from app.people import bp, dossier, faces, photos, roster_import, snapshots
from app.people import own_record_views as _own_record_views  # noqa: F401  (downloads, 更正申请)
from app.people import scope as people_scope
from app.people import timeline as _timeline  # noqa: F401  (registers the 一人一档 timeline routes)
from app.people import zones as _zones  # noqa: F401  (registers the user's time zone with the clock)
from app.people.access_views import record_access
from app.people.forms import (
    ConfirmImportForm,
    EditEmploymentForm,
    EndEmploymentForm,
    EnterpriseForm,
    PersonForm,
    PhotoForm,
    RosterImportForm,
)
from app.people.identifiers import IdentifierError, parse_resident_id
from app.people.models import AccessKind, Employment, EmploymentType, IdType, Person, Post
from app.people.services import (
    PersonData,
    employ,
    end_employment,
    find_person,
    may_change_master_data,
    register_enterprise,
    update_employment,
)
from app.rules.queries import operation_choices
from app.tenancy.models import Affiliation, Enterprise, Industry, Jurisdiction


@bp.app_template_filter("post_label")
def post_label(value):
    """A post's label from its stored value (``special_operator`` → 特种作业人员)."""
    return Post(value).label if value in Post._value2member_map_ else value


# ---------------------------------------------------------------- roster


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
        caps=policy.roster_page(
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


def _roster_enterprise() -> Enterprise:
    """The enterprise whose roster is being changed: the admin's own, or ?enterprise= for the platform admin."""
    if policy.acts_for_own_enterprise(current_user):
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
    enterprise = _roster_enterprise()
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


# ---------------------------------------------------------------- person file


@bp.route("/people/<int:person_id>")
def person(person_id: int):
    """一人一档: the person's dossier (app/people/dossier.py)."""
    person = people_scope.get_person_or_404(current_user, person_id)
    if policy.may_see_full_id(current_user, person):
        record_access(current_user, person.id, AccessKind.FULL_ID)
    return dossier.render_dossier(person)


@bp.route("/people/<int:person_id>/photo", methods=["GET", "POST"])
def person_photo(person_id: int):
    """GET: the registered photo (after the policy check, never cached); POST: upload a new one."""
    person = people_scope.get_person_or_404(current_user, person_id)
    if request.method == "GET":
        shared = people_scope.sees_full_record(current_user, person.id)
        if person.photo_key is None or not policy.may_see_photo(current_user, person, record_shared=shared):
            abort(404)
        record_access(current_user, person.id, AccessKind.PHOTO)
        return send_stored(person.photo_key, content_type="image/jpeg")
    form = PhotoForm()
    employer = _current_employer_of(person)
    if not form.validate_on_submit():
        for error in form.photo.errors:
            flash(error, "error")
    elif not may_change_master_data(person, actor=current_user, enterprise=employer):
        flash(message_for("photo.not_allowed"), "error")
    else:
        try:
            photos.set_photo(
                person, form.photo.data.read(), actor=current_user, max_bytes=current_app.config["PHOTO_MAX_BYTES"]
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("已更新 %(name)s 的登记照片。", name=person.name), "success")
    return redirect(url_for("people.person", person_id=person.id))


def _current_employer_of(person) -> Enterprise | None:
    """The enterprise the signed-in enterprise admin speaks for, if it employs the person now."""
    if current_user.enterprise_id is None:
        return None
    return next(
        (e.enterprise for e in person.current_employments if e.enterprise_id == current_user.enterprise_id), None
    )


@bp.route("/me")
@roles_required(Role.WORKER)
def me():
    if current_user.person_id is None:
        abort(404)
    return redirect(url_for("people.person", person_id=current_user.person_id))


@bp.route("/me/snapshots/<int:snapshot_id>")
@roles_required(Role.WORKER)
def my_snapshot(snapshot_id: int):
    """One of the signed-in person's own 人像抓拍 (listed on their class and exam result pages), after the policy
    check; another person's is not found."""
    snapshot = snapshots.own_snapshot(snapshot_id, current_user.person_id) if current_user.person_id else None
    if snapshot is None or not policy.may_see_own_snapshots(current_user, snapshot.person_id):
        abort(404)
    return send_stored(snapshot.storage_key, content_type="image/jpeg")


@bp.app_template_global("snapshot_checks")
def snapshot_checks() -> dict[str, bool]:
    """What the 人像抓拍 consent steps tell the person is done with each snapshot: face detection
    (``ANPEI_FACE_DETECTOR``) and face comparison with the registered photo (``ANPEI_FACE_CHECKER``)."""
    return {"detector": faces.detector_name() != "off", "checker": snapshots.checking_faces()}


# ---------------------------------------------------------------- roster import


@bp.route("/people/import", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE, Role.ADMIN)
def import_roster():
    """Upload → preview with every bad row → confirm: all rows or nothing."""
    enterprise = _roster_enterprise()
    form = RosterImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        batch = roster_import.stage(upload.read(), upload.filename or "", enterprise=enterprise, actor=current_user)
        db.session.commit()
        return redirect(url_for("people.import_preview", batch_id=batch.token, **_enterprise_arg(enterprise)))
    return render_template(
        "people/import.html", form=form, enterprise=enterprise, enterprise_args=_enterprise_arg(enterprise)
    )


def _enterprise_arg(enterprise: Enterprise) -> dict:
    return {} if policy.acts_for_own_enterprise(current_user) else {"enterprise": enterprise.id}


@bp.route("/people/import/<batch_id>", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE, Role.ADMIN)
def import_preview(batch_id: str):
    enterprise = _roster_enterprise()
    batch = roster_import.get_batch(batch_id, enterprise=enterprise, actor=current_user)
    if batch is None:
        abort(404)
    form = ConfirmImportForm(batch=batch.token)
    if form.validate_on_submit():
        try:
            count = roster_import.apply(batch, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("people.import_preview", batch_id=batch.token, **_enterprise_arg(enterprise)))
        db.session.commit()
        flash(_("已导入 %(count)s 人。", count=count), "success")
        return redirect(url_for("people.roster", **_enterprise_arg(enterprise)))
    preview = roster_import.preview(batch)
    return render_template(
        "people/import_preview.html",
        batch=batch,
        preview=preview,
        form=form,
        enterprise=enterprise,
        enterprise_args=_enterprise_arg(enterprise),
    )


@bp.route("/people/import/template.xlsx")
@roles_required(Role.ENTERPRISE, Role.ADMIN)
def import_template():
    return send_file(
        roster_import.template_xlsx(),
        download_name="roster-template.xlsx",
        as_attachment=True,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# ---------------------------------------------------------------- enterprises


@bp.route("/enterprises/")
@roles_required(Role.ADMIN, Role.REGULATOR)
def enterprises():
    query = people_scope.enterprises_query(current_user)
    if q := request.args.get("q", "").strip():
        query = query.where(sa.or_(Enterprise.name.contains(q, autoescape=True), Enterprise.uscc == q.upper()))
    if (industry := request.args.get("industry")) and industry in Industry._value2member_map_:
        query = query.where(Enterprise.industry == Industry(industry))
    page = db.paginate(
        query.order_by(Enterprise.region_code, Enterprise.name),
        page=request.args.get("page", 1, type=int),
        per_page=50,
        error_out=False,
    )
    counts = dict(
        db.session.execute(
            sa.select(Employment.enterprise_id, sa.func.count())
            .where(Employment.enterprise_id.in_([e.id for e in page.items]), Employment.end_date.is_(None))
            .group_by(Employment.enterprise_id)
        ).all()
    )
    return render_template(
        "people/enterprises.html",
        page=page,
        counts=counts,
        q=q,
        industries=list(Industry),
        caps=policy.enterprises_page(current_user),
    )


@bp.route("/enterprises/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.REGULATOR)
def new_enterprise():
    form = EnterpriseForm()
    jurisdictions = _jurisdictions_in_scope()
    form.jurisdiction_id.choices = choices((j.id, f"{j.code} {j.name}") for j in jurisdictions)
    if form.validate_on_submit():
        jurisdiction = next(j for j in jurisdictions if j.id == form.jurisdiction_id.data)
        try:
            enterprise = register_enterprise(
                name=form.name.data.strip(),
                uscc=form.uscc.data,
                industry=Industry(form.industry.data),
                affiliation=Affiliation(form.affiliation.data),
                jurisdiction=jurisdiction,
                address=form.address.data or "",
                contact_phone=form.contact_phone.data or "",
            )
        except DomainError as exc:
            db.session.rollback()
            form.uscc.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("已登记 %(name)s。", name=enterprise.name), "success")
            return redirect(url_for("people.enterprise", enterprise_id=enterprise.id))
    return render_template("people/enterprise_form.html", form=form)


def _jurisdictions_in_scope() -> list[Jurisdiction]:
    return list(db.session.scalars(people_scope.jurisdictions_query(current_user).order_by(Jurisdiction.code)))


@bp.route("/enterprises/<int:enterprise_id>")
@roles_required(Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE)
def enterprise(enterprise_id: int):
    enterprise = people_scope.get_enterprise_or_404(current_user, enterprise_id)
    counts = dict(
        db.session.execute(
            sa.select(Employment.post, sa.func.count())
            .where(Employment.enterprise_id == enterprise.id, Employment.end_date.is_(None))
            .group_by(Employment.post)
        ).all()
    )
    return render_template(
        "people/enterprise.html", enterprise=enterprise, post_counts=[(p, counts.get(p, 0)) for p in Post]
    )
