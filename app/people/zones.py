"""Which time zone a signed-in user reads times in: their jurisdiction's ``time_zone`` (a regulator's own, an
enterprise's, an institution's; a worker's current employer's), empty for the platform default."""

from __future__ import annotations

import functools
import itertools

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy import orm as so

from app.core.clock import register_user_zone
from app.core.db import first_row
from app.extensions import db
from app.people.models import Employment
from app.tenancy.models import Enterprise, Jurisdiction


def user_zone() -> str:
    if not current_user or not current_user.is_authenticated:
        return ""
    if current_user.jurisdiction is not None:
        return current_user.jurisdiction.effective_time_zone
    if current_user.enterprise is not None:
        return current_user.enterprise.jurisdiction.effective_time_zone
    if current_user.institution is not None:
        return current_user.institution.jurisdiction.effective_time_zone
    if current_user.person_id is not None:  # one query, not four lazy loads (a worker's lesson page asks)
        row = first_row(db.session.connection(), _worker_zone_statement(), {"zone_person": current_user.person_id})
        return (row[0] if row else None) or ""
    return ""


@functools.cache
def _worker_zone_statement() -> sa.Select:
    """Built once (building it cost more CPU than running it: ~5 ms a page); run prepared (``first_row``): every
    page of a worker that shows a date asks."""
    return sa.select(person_zone_sql(sa.bindparam("zone_person", type_=sa.Integer)))


register_user_zone(user_zone)


def region_zone_sql(region_code: sa.ColumnElement) -> sa.ScalarSelect:
    """The ``time_zone`` of the jurisdiction with code ``region_code`` (a class's or sitting's region) as a scalar
    SQL subquery, else its nearest ancestor's (as ``Jurisdiction.effective_time_zone``, 4 levels); "" for the
    default (also when no jurisdiction has that code)."""
    levels = [so.aliased(Jurisdiction) for _ in range(4)]
    stmt = sa.select(sa.func.coalesce(*(sa.func.nullif(j.time_zone, "") for j in levels), "")).select_from(levels[0])
    for child, parent in itertools.pairwise(levels):
        stmt = stmt.outerjoin(parent, parent.id == child.parent_id)
    return stmt.where(levels[0].code == region_code).limit(1).scalar_subquery()


def person_zone_sql(person_id: sa.ColumnElement) -> sa.ScalarSelect:
    """:func:`user_zone` of a worker as a scalar SQL subquery (for statements that must not load the user):
    their current employer's jurisdiction's ``time_zone``, else the nearest ancestor's (as
    ``Jurisdiction.effective_time_zone``, 4 levels), "" for the default. NULL when they have no current job."""
    levels = [so.aliased(Jurisdiction) for _ in range(4)]
    stmt = (
        sa.select(sa.func.coalesce(*(sa.func.nullif(j.time_zone, "") for j in levels), ""))
        .select_from(Employment)
        .join(Enterprise, Enterprise.id == Employment.enterprise_id)
        .outerjoin(levels[0], levels[0].id == Enterprise.jurisdiction_id)
    )
    for child, parent in itertools.pairwise(levels):
        stmt = stmt.outerjoin(parent, parent.id == child.parent_id)
    return (
        stmt.where(Employment.person_id == person_id, Employment.end_date.is_(None))
        .order_by(Employment.start_date.desc())
        .limit(1)
        .scalar_subquery()
    )


def region_time_zone(region_code: str) -> str:
    """The zone of a 行政区划 code (a class's, a sitting's): its jurisdiction's setting or the nearest ancestor's; ""
    for the platform default (also for a code no jurisdiction has)."""
    if not region_code:
        return ""
    jurisdiction = db.session.scalars(sa.select(Jurisdiction).where(Jurisdiction.code == region_code)).first()
    return jurisdiction.effective_time_zone if jurisdiction is not None else ""
