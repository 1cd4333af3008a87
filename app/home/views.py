"""Each role lands on its own home page."""

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user

from app.auth.models import Role
from app.extensions import db
from app.home import bp, supervision
from app.home import navigation as _navigation  # noqa: F401  (registers the navigation bar)
from app.people import scope as people_scope
from app.people.models import Employment, Post
from app.training import enrolment


@bp.route("/")
def index():
    user = current_user
    context: dict = {"role": user.role}
    if user.role in (Role.ADMIN, Role.REGULATOR):
        context["enterprise_count"] = db.session.scalar(
            sa.select(sa.func.count()).select_from(people_scope.enterprises_query(user).subquery())
        )
        context["person_count"] = db.session.scalar(
            sa.select(sa.func.count()).select_from(people_scope.persons_query(user).subquery())
        )
        context["recent_enterprises"] = db.session.scalars(
            people_scope.enterprises_query(user).order_by(sa.desc("created_at")).limit(8)
        ).all()
        if user.role is Role.REGULATOR:
            context.update(supervision.overview(user))
    elif user.role is Role.ENTERPRISE:
        counts = dict(
            db.session.execute(
                sa.select(Employment.post, sa.func.count())
                .where(Employment.enterprise_id == user.enterprise_id, Employment.end_date.is_(None))
                .group_by(Employment.post)
            ).all()
        )
        context["post_counts"] = [(post, counts.get(post, 0)) for post in Post]
        context["staff_total"] = sum(counts.values())
    elif user.role is Role.WORKER and user.person is not None:
        context["person"] = user.person
        context["continuing"] = enrolment.continue_learning(user.person_id)
    return render_template(f"home/{user.role.value}.html", **context)
