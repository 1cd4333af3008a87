"""Who may see which inspections and findings. Built on ``app.people.scope``: an inspection is as visible as the
enterprise inspected (the regulator of its region, the enterprise itself, the platform admin)."""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.models import Role, User
from app.auth.scope import one_or_404, region_prefix
from app.people.scope import visible_enterprise_ids
from app.spotchecks.models import Finding, Inspection
from app.tenancy.models import Enterprise

#: The roles whose staff pages show inspections and findings (the worker has only the phone's ticket pages).
STAFF = (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE)


def _of_visible_enterprises(model, user: User) -> sa.Select:
    """Rows of ``model`` (with an ``enterprise_id``) about an enterprise the user sees."""
    query = sa.select(model)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.REGULATOR | Role.ENTERPRISE:
            return query.where(model.enterprise_id.in_(visible_enterprise_ids(user)))
        case _:
            return query.where(sa.false())


def inspections_query(user: User) -> sa.Select:
    return _of_visible_enterprises(Inspection, user)


def get_inspection_or_404(user: User, inspection_id: int) -> Inspection:
    return one_or_404(inspections_query(user).where(Inspection.id == inspection_id))


def findings_query(user: User) -> sa.Select:
    """整改问题清单 items, with the same visibility as their inspections."""
    return _of_visible_enterprises(Finding, user)


def get_finding_or_404(user: User, finding_id: int) -> Finding:
    return one_or_404(findings_query(user).where(Finding.id == finding_id))


def can_inspect(user: User, enterprise: Enterprise) -> bool:
    """Opening and running an inspection: a regulator whose jurisdiction covers the enterprise."""
    prefix = region_prefix(user)
    return user.role is Role.REGULATOR and prefix is not None and enterprise.region_code.startswith(prefix)


def can_work_finding(user: User, enterprise_id: int) -> bool:
    """Assigning retraining and scheduling the 补考: the enterprise's own admin."""
    return user.role is Role.ENTERPRISE and user.enterprise_id == enterprise_id
