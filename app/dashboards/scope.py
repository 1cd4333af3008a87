"""Where a dashboard looks, and who reaches the records of this package. Built on ``app.auth.scope`` and
``app.people.scope``: a dashboard's enterprises are :func:`app.people.scope.visible_enterprise_ids` narrowed to the
place drilled into (a region, one enterprise) — the same enterprises the lists behind the tiles show.

=========== =======================================================================================================
admin       every region (the nation, then a province, a city, a district), any enterprise
regulator   its jurisdiction and the regions below it; an enterprise of them
enterprise  its own enterprise
institution its own institution (tiles of the people it trained, and its 动态积分)
worker      no dashboard (the home page shows their own figures)
=========== =======================================================================================================

Region tiles add up :class:`~app.dashboards.models.RegionRollup` rows whose 行政区划 code starts with the place's
prefix. For a regulator that is exactly its visible enterprises narrowed to the place (its scope *is* a code prefix:
``app.people.scope.enterprises_query``), for the admin every enterprise under the prefix;
``tests/dashboards/test_scope.py`` checks, for every role, that a region tile equals the count over
``visible_enterprise_ids``.

Complaints, 退出 recommendations and institution records: :func:`complaints_query`, :func:`exits_query`,
:func:`institutions_query` below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import abort
from flask_babel import lazy_gettext as _l

from app.auth.models import Role, User
from app.auth.scope import NOWHERE, one_or_404, region_prefix
from app.dashboards.models import Complaint, ComplaintDocument, ExitRecommendation
from app.extensions import db
from app.people import scope as people_scope
from app.tenancy.models import Enterprise, Jurisdiction, TrainingInstitution

LEVELS = ("nation", "province", "city", "district", "enterprise", "institution")


def prefix_of(code: str) -> str:
    """320000 → "32", 320100 → "3201", 320102 → "320102" (as ``Jurisdiction.scope_prefix``)."""
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    return "city" if code.endswith("00") else "district"


@dataclass(frozen=True)
class Place:
    """What a dashboard shows: a region (``prefix`` of 行政区划 codes; "" is the nation), one enterprise, or one
    institution; and the way back up (``trail``: (label, query arguments))."""

    level: str
    name: str
    prefix: str = ""
    region_code: str = ""
    enterprise: Enterprise | None = None
    institution: TrainingInstitution | None = None
    trail: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def is_region(self) -> bool:
        return self.level in ("nation", "province", "city", "district")

    @property
    def args(self) -> dict:
        """Query arguments naming this place (for links to lists and exports)."""
        if self.enterprise is not None:
            return {"enterprise": self.enterprise.id}
        if self.region_code:
            return {"region": self.region_code}
        return {}


def may_view_dashboard(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.INSTITUTION)


def _jurisdiction(code: str) -> Jurisdiction | None:
    return db.session.scalars(sa.select(Jurisdiction).where(Jurisdiction.code == code)).first()


def _trail(code: str, top_prefix: str) -> list[tuple[str, dict]]:
    """Province › city › district down to ``code``, from the user's own level (``top_prefix``)."""
    codes = [code[:2] + "0000", code[:4] + "00", code]
    names = dict(
        db.session.execute(sa.select(Jurisdiction.code, Jurisdiction.name).where(Jurisdiction.code.in_(codes))).all()
    )
    trail, seen = [], set()
    for c in codes:
        if c in seen or c not in names or not prefix_of(c).startswith(top_prefix):
            continue
        seen.add(c)
        trail.append((names[c], {"region": c}))
    return trail


def resolve(user: User, *, region: str | None = None, enterprise_id: int | None = None) -> Place:
    """The place ``user`` asks for (``?region=`` / ``?enterprise=``), or its own; 404 outside its scope.

    :raises werkzeug.exceptions.NotFound: a region or enterprise the user does not reach.
    """
    match user.role:
        case Role.ENTERPRISE:
            if enterprise_id not in (None, user.enterprise_id) or user.enterprise is None:
                abort(404)
            return Place("enterprise", user.enterprise.name, enterprise=user.enterprise)
        case Role.INSTITUTION:
            if user.institution is None:
                abort(404)
            return Place("institution", user.institution.name, institution=user.institution)
        case Role.REGULATOR | Role.ADMIN:
            pass
        case _:
            abort(403)
    top = region_prefix(user) if user.role is Role.REGULATOR else ""
    if top is None:
        abort(404)
    top_trail = [(str(_l("全国")), {})] if user.role is Role.ADMIN else []
    if enterprise_id is not None:
        enterprise = people_scope.get_enterprise_or_404(user, enterprise_id)
        trail = top_trail + _trail(enterprise.region_code, top)
        return Place("enterprise", enterprise.name, enterprise=enterprise, trail=trail)
    if region is None:
        if user.role is Role.ADMIN:
            return Place("nation", str(_l("全国")))
        region = user.jurisdiction.code
    if not (region.isdigit() and len(region) == 6) or not prefix_of(region).startswith(top):
        abort(404)
    jurisdiction = _jurisdiction(region)
    if jurisdiction is None:
        abort(404)
    return Place(
        level_of(region),
        jurisdiction.name,
        prefix=prefix_of(region),
        region_code=region,
        trail=top_trail + _trail(region, top)[:-1],
    )


def enterprise_ids(user: User, place: Place) -> sa.Select:
    """The enterprises behind a place's tiles and lists: what ``user`` sees (``app.people.scope``), narrowed to the
    place drilled into."""
    ids = people_scope.visible_enterprise_ids(user)
    if place.enterprise is not None:
        return ids.where(Enterprise.id == place.enterprise.id)
    if place.institution is not None:
        return ids.where(sa.false())
    if place.prefix:
        return ids.where(Enterprise.region_code.startswith(place.prefix))
    return ids


def region_condition(column, place: Place):
    """Rows of a region rollup inside the place (its codes start with the place's prefix; the nation: all)."""
    return column.startswith(place.prefix) if place.prefix else sa.true()


# ---------------------------------------------------------------- institutions, complaints, 退出


def institutions_query(user: User) -> sa.Select:
    """Training institutions whose record (动态积分, complaints, holds) a user sees: all for the admin, those of its
    region for a regulator, its own for an institution."""
    query = sa.select(TrainingInstitution)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.REGULATOR:
            return query.where(TrainingInstitution.region_code.startswith(region_prefix(user) or NOWHERE))
        case Role.INSTITUTION:
            return query.where(TrainingInstitution.id == (user.institution_id or -1))
    return query.where(sa.false())


def get_institution_or_404(user: User, institution_id: int) -> TrainingInstitution:
    return one_or_404(institutions_query(user).where(TrainingInstitution.id == institution_id))


def may_supervise(user: User, region_code: str) -> bool:
    """Recording complaints, holding an institution's ranking, publishing a ranking, closing a 退出 recommendation:
    a regulator whose jurisdiction covers ``region_code``."""
    prefix = region_prefix(user)
    return user.role is Role.REGULATOR and prefix is not None and region_code.startswith(prefix)


def complaints_query(user: User) -> sa.Select:
    """Complaints: the admin all; a regulator those about institutions and enterprises of its region. An institution
    or enterprise sees none of them here (its record shows the verdicts that count against it)."""
    query = sa.select(Complaint)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.REGULATOR:
            return query.where(Complaint.region_code.startswith(region_prefix(user) or NOWHERE))
    return query.where(sa.false())


def get_complaint_or_404(user: User, complaint_id: int) -> Complaint:
    return one_or_404(complaints_query(user).where(Complaint.id == complaint_id))


def get_document_or_404(user: User, complaint: Complaint, document_id: int) -> ComplaintDocument:
    return one_or_404(
        sa.select(ComplaintDocument).where(
            ComplaintDocument.id == document_id, ComplaintDocument.complaint_id == complaint.id
        )
    )


def exits_query(user: User) -> sa.Select:
    """退出 recommendations: about enterprises the user sees (the enterprise itself, the regulator of its region, the
    admin), and a worker's own."""
    query = sa.select(ExitRecommendation)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.REGULATOR | Role.ENTERPRISE:
            return query.where(ExitRecommendation.enterprise_id.in_(people_scope.visible_enterprise_ids(user)))
        case Role.WORKER:
            return query.where(ExitRecommendation.person_id == (user.person_id or -1))
    return query.where(sa.false())


def get_exit_or_404(user: User, exit_id: int) -> ExitRecommendation:
    return one_or_404(exits_query(user).where(ExitRecommendation.id == exit_id))
