"""The public 排名公告 (no login): the published monthly rankings of training institutions, by region and month.

A published ranking is frozen (``app.dashboards.ranking_publication.publish``) and names institutions and their figures only:
no person's name, number or result, nothing about an institution under review but their count."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template

from app.auth.access import public
from app.dashboards import public_bp as bp
from app.dashboards import ranking_publication, replica
from app.dashboards.models import Ranking
from app.extensions import db


@bp.route("/rankings")
@public
def index():
    with replica.reading():
        published = db.session.scalars(ranking_publication.published_query().limit(200)).all()
        latest = published[0] if published else None
        return render_template("dashboards/rankings.html", published=published, ranking=latest)


@bp.route("/rankings/<int:ranking_id>")
@public
def show(ranking_id: int):
    with replica.reading():
        item = db.session.scalar(sa.select(Ranking).where(Ranking.id == ranking_id))
        if item is None:
            abort(404)
        published = db.session.scalars(ranking_publication.published_query().limit(200)).all()
        return render_template("dashboards/rankings.html", published=published, ranking=item)
