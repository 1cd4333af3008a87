"""Enrolment pages: pick persons for a class (the organiser enrols, an enterprise applies to an institution's class)
by name or ID number, with search, select-all and the enrolled hidden, or from a file of 证件号码; the institution's
报名审核 and invitations; each side's list of applications. Thin: load in scope, call ``app.training.enrolment``,
commit, redirect."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.policy import roles as role_policy
from app.core.clock import utcnow
from app.core.errors import DomainError
from app.core.forms import choices
from app.extensions import db
from app.people.models import Person
from app.people.scope import invitable_enterprises_query
from app.tenancy.models import Enterprise
from app.training import classes
from app.training import scope as training_scope
from app.training.enrolment import applications as enrolment_applications
from app.training.enrolment import id_files, picking
from app.training.enrolment import invitations as enrolment_invitations
from app.training.forms import ApplicationReviewForm, IdListForm, InviteForm, PickForm
from app.training.models import ApplicationState, EnrolmentApplication, TrainingClass

bp = Blueprint("enrolment", __name__)

STAFF = (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.INSTITUTION)
#: The pick list shows at most this many (a search narrows it); "报名全部" takes every match, not only those shown.
PICK_LIMIT = 500


@bp.app_template_global("class_enrolment")
def class_enrolment(training_class: TrainingClass) -> dict:
    """What the class page offers the current user: enrol (the organiser), apply (an enterprise on an institution's
    class), review (the institution), and how many applications wait."""
    review = training_class.institution_id is not None and training_scope.can_decide_applications(
        current_user, training_class
    )
    pending = 0
    if review:
        pending = db.session.scalar(
            sa.select(sa.func.count(EnrolmentApplication.id)).where(
                EnrolmentApplication.class_id == training_class.id,
                EnrolmentApplication.state == ApplicationState.PENDING,
            )
        )
    return {
        "pick": training_scope.can_enrol(current_user, training_class),
        "apply": training_scope.can_apply(current_user, training_class),
        "review": review,
        "pending": pending,
    }


def _pick_class_or_403(class_id: int) -> tuple[TrainingClass, bool]:
    """The class, and whether the user applies (an enterprise) rather than enrols (the organiser)."""
    training_class = training_scope.get_class_or_404(current_user, class_id)
    applying = training_scope.can_apply(current_user, training_class)
    if not applying and not training_scope.can_enrol(current_user, training_class):
        abort(403)
    return training_class, applying


def _label(person: Person) -> str:
    posts = "、".join(dict.fromkeys(e.post.label for e in person.current_employments))
    return " · ".join(x for x in (person.name, person.id_masked, posts) if x)


@bp.route("/classes/<int:class_id>/pick", methods=["GET", "POST"])
@roles_required(*STAFF)
def pick(class_id: int):
    """Pick persons by name or ID number: the organiser enrols them, an enterprise applies for them."""
    training_class, applying = _pick_class_or_403(class_id)
    q = (request.values.get("q") or "").strip()[:40]
    query = picking.pickable_query(current_user, training_class, q)
    form = PickForm(prefix="pick")
    if request.method == "POST":
        if request.form.get("all_shown"):
            person_ids = list(db.session.scalars(query.with_only_columns(Person.id)))
        else:
            form.person_ids.choices = choices((p.id, p.name) for p in db.session.scalars(query))
            person_ids = form.person_ids.data if form.validate_on_submit() else []
        if not person_ids:
            flash(_("请选择人员。"), "error")
            return redirect(url_for("enrolment.pick", class_id=class_id, q=q or None))
        try:
            if applying:
                done = enrolment_applications.apply(training_class, person_ids, actor=current_user, now=utcnow())
            else:
                done = classes.enrol(training_class, person_ids, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("enrolment.pick", class_id=class_id, q=q or None))
        db.session.commit()
        if applying:
            flash(_("已提交 %(n)s 人的报名申请，待培训机构审核。", n=done), "success")
        else:
            flash(_("已报名 %(n)s 名学员。", n=done), "success")
        return redirect(url_for("enrolment.pick", class_id=class_id))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    persons = db.session.scalars(query.limit(PICK_LIMIT)).all()
    mine = enrolment_applications.applications_of(training_class, current_user) if applying else []
    return render_template(
        "training/pick.html",
        training_class=training_class,
        applying=applying,
        q=q,
        persons=[(p.id, _label(p)) for p in persons],
        total=total,
        form=form,
        file_form=IdListForm(prefix="file"),
        applications=mine,
    )


@bp.route("/classes/<int:class_id>/pick/file", methods=["POST"])
@roles_required(*STAFF)
def pick_file(class_id: int):
    """A file of 证件号码: everyone in it enrolled (or applied for), or — with a bad row — nothing, and each bad
    row named."""
    training_class, _applying = _pick_class_or_403(class_id)
    form = IdListForm(prefix="file")
    if not form.validate_on_submit() or not form.file.data:
        flash(_("请选择名单文件。"), "error")
        return redirect(url_for("enrolment.pick", class_id=class_id))
    upload = form.file.data
    try:
        result = id_files.bulk(
            training_class,
            upload.read(),
            filename=upload.filename or "list.xlsx",
            valid_only=bool(form.valid_only.data),
            actor=current_user,
            now=utcnow(),
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("enrolment.pick", class_id=class_id))
    db.session.commit()
    return render_template("training/pick_result.html", training_class=training_class, result=result)


@bp.route("/classes/<int:class_id>/applicants", methods=["GET", "POST"])
@roles_required(*STAFF)
def applicants(class_id: int):
    """报名审核: the class's applications (pending ones to accept or refuse) and the invitations sent."""
    training_class = training_scope.get_class_or_404(current_user, class_id)
    if not training_scope.can_decide_applications(current_user, training_class):
        abort(403)
    rows = enrolment_applications.applications_of(training_class, current_user)
    form = ApplicationReviewForm(prefix="review")
    form.application_ids.choices = choices((a.id, a.person.name) for a in rows if a.state is ApplicationState.PENDING)
    if request.method == "POST":
        decision = request.form.get("decision")
        if not form.validate_on_submit() or decision not in ("accept", "refuse") or not form.application_ids.data:
            flash(_("请选择报名申请。"), "error")
            return redirect(url_for("enrolment.applicants", class_id=class_id))
        try:
            if decision == "accept":
                done = enrolment_applications.accept(
                    training_class, form.application_ids.data, actor=current_user, now=utcnow()
                )
                message = _("已通过 %(n)s 人的报名，已加入本班次。", n=done)
            else:
                done = enrolment_applications.refuse(
                    training_class,
                    form.application_ids.data,
                    note=form.note.data or "",
                    actor=current_user,
                    now=utcnow(),
                )
                message = _("已不通过 %(n)s 人的报名。", n=done)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(message, "success")
        return redirect(url_for("enrolment.applicants", class_id=class_id))
    q = (request.args.get("enterprise") or "").strip()[:40]
    found = []
    if q:
        found = db.session.scalars(
            invitable_enterprises_query(current_user)
            .where(Enterprise.name.contains(q, autoescape=True))
            .order_by(Enterprise.name)
            .limit(50)
        ).all()
    invitations = [i for i in enrolment_invitations.invitations_for(current_user) if i.class_id == training_class.id]
    return render_template(
        "training/applicants.html",
        training_class=training_class,
        pending=[a for a in rows if a.state is ApplicationState.PENDING],
        decided=[a for a in rows if a.state is not ApplicationState.PENDING],
        form=form,
        enterprises=found,
        enterprise_q=q,
        invitations=invitations,
    )


@bp.route("/classes/<int:class_id>/invite", methods=["POST"])
@roles_required(*STAFF)
def invite(class_id: int):
    training_class = training_scope.get_class_or_404(current_user, class_id)
    if not training_scope.can_decide_applications(current_user, training_class):
        abort(403)
    form = InviteForm(prefix="invite")
    if not form.validate_on_submit():
        abort(400)
    try:
        made = enrolment_invitations.invite(
            training_class, form.enterprise_id.data, note=form.note.data or "", actor=current_user, now=utcnow()
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已发出邀请。") if made else _("已经邀请过该单位。"), "success")
    return redirect(url_for("enrolment.applicants", class_id=class_id))


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@roles_required(Role.ENTERPRISE)
def withdraw(application_id: int):
    application = training_scope.get_application_or_404(current_user, application_id)
    class_id = application.class_id
    try:
        enrolment_applications.withdraw(application, actor=current_user, now=utcnow())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已撤回报名申请。"), "success")
    if request.form.get("back") == "list":
        return redirect(url_for("enrolment.applications"))
    return redirect(url_for("enrolment.pick", class_id=class_id))


@bp.route("/applications")
@roles_required(Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.INSTITUTION)
def applications():
    """The user's applications: an institution those to its classes, an enterprise its own and its invitations."""
    pending_first = sa.case((EnrolmentApplication.state == ApplicationState.PENDING, 0), else_=1)
    rows = db.session.scalars(
        training_scope.applications_query(current_user)
        .order_by(pending_first, EnrolmentApplication.applied_at.desc(), EnrolmentApplication.id.desc())
        .limit(500)
    ).all()
    return render_template(
        "training/applications.html",
        rows=rows,
        invitations=enrolment_invitations.invitations_for(current_user),
        review=role_policy.acts_for_institution(current_user),
    )
