"""Each role lands on its own home page: its top alerts (the bell's newest) and its key figures, on phone and PC."""

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user

from app.auth.policy import roles as role_policy
from app.certificates import lifecycle
from app.certificates import scope as cert_scope
from app.certificates.models import Certificate
from app.core.clock import local_today
from app.dashboards import alerts, ranking_publication, replica, scope, tiles
from app.dashboards.models import ExitRecommendation, ExitState, InstitutionScore
from app.extensions import db
from app.home import bp, supervision
from app.home import icons as _icons  # noqa: F401  (/favicon.ico)
from app.home import navigation as _navigation  # noqa: F401  (registers the navigation bar)
from app.people import scope as people_scope
from app.people.models import Employment, Post
from app.people.services import own_person
from app.spotchecks.models import Finding, FindingState
from app.training import hours
from app.training.enrolment import continuing

#: The figures a home page shows (the dashboard has them all).
HOME_FIGURES = (
    "licensed",
    "spotcheck",
    "findings_open",
    "findings_overdue",
    "certs_due_60",
    "managers_overdue",
    "snapshots_flagged",
    "exits_open",
)


def _figures(user) -> dict:
    with replica.reading():
        place = scope.resolve(user)
        figures = tiles.figures_for(user, place, HOME_FIGURES)
        return {"place": place, "figures": figures, "home_figures": HOME_FIGURES, "defs": tiles.FIGURES}


@bp.route("/")
def index():
    user = current_user
    page = role_policy.home_page(user)
    context: dict = {"role": user.role, "alerts": alerts.top_for(user.id)}
    if page.sees_region_overview:
        context["enterprise_count"] = db.session.scalar(
            sa.select(sa.func.count()).select_from(people_scope.enterprises_query(user).subquery())
        )
        context["person_count"] = db.session.scalar(
            sa.select(sa.func.count()).select_from(people_scope.persons_query(user).subquery())
        )
        context["recent_enterprises"] = db.session.scalars(
            people_scope.enterprises_query(user).order_by(sa.desc("created_at")).limit(8)
        ).all()
        if page.sees_supervision:
            context.update(supervision.overview(user))
        if page.sees_figures:
            context.update(_figures(user))
    elif page.sees_enterprise_staff:
        counts = dict(
            db.session.execute(
                sa.select(Employment.post, sa.func.count())
                .where(Employment.enterprise_id == user.enterprise_id, Employment.end_date.is_(None))
                .group_by(Employment.post)
            ).all()
        )
        context["post_counts"] = [(post, counts.get(post, 0)) for post in Post]
        context["staff_total"] = sum(counts.values())
        if page.sees_figures:
            context.update(_figures(user))
    elif page.sees_institution_score:
        month = local_today().replace(day=1)
        context["score"] = db.session.scalars(
            sa.select(InstitutionScore).where(
                InstitutionScore.institution_id == user.institution_id, InstitutionScore.month == month
            )
        ).first()
        context["held"] = ranking_publication.open_hold(user.institution_id) is not None
    elif page.sees_own_record:
        context.update(_worker(user))
        context["continuing"] = continuing.continue_learning(user.person_id)
    return render_template(page.template, **context)


def _worker(user) -> dict:
    """A worker's own figures: this year's 再培训 学时, the next certificate obligations, open findings and 退出."""
    person, today = own_person(user), local_today()
    required, done = hours.my_year(person, today.year)
    book = lifecycle.rules()
    certs = db.session.scalars(cert_scope.certificates_query(user).order_by(Certificate.valid_to)).all()
    upcoming = [
        (c, o)
        for c in certs
        if (o := lifecycle.next_obligation(c, today, book)) is not None
        and o.due_on <= today.replace(year=today.year + 1)
    ]
    return {
        "person": person,
        "hours_required": required,
        "hours_done": done,
        "upcoming": upcoming[:5],
        "open_findings": db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Finding)
            .where(Finding.person_id == person.id, Finding.status != FindingState.CLOSED)
        ),
        "open_exits": db.session.scalars(
            sa.select(ExitRecommendation).where(
                ExitRecommendation.person_id == person.id, ExitRecommendation.state != ExitState.CLOSED
            )
        ).all(),
        "today": today,
        "pending_employments": db.session.scalars(people_scope.pending_employments_query(user)).all(),
    }
