"""Enterprises for the platform admin and regulators: the list in scope with head counts, registering one, its page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.policy import people as people_policy
from app.core.errors import DomainError
from app.core.forms import choices
from app.extensions import db
from app.people import bp
from app.people import scope as people_scope
from app.people.forms import EnterpriseForm
from app.people.models import Employment, Post
from app.people.services import register_enterprise
from app.tenancy.models import Affiliation, Enterprise, Industry, Jurisdiction


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
        caps=people_policy.enterprises_page(current_user),
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
