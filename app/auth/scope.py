"""Who may see what: the one place that builds visibility filters.

Views never write their own "which enterprises / persons may this user see" conditions; they ask here.
Each ``*_query(user)`` returns a ``Select`` already restricted to the user's scope, and each
``get_*_or_404(user, id)`` loads one object only if it is in scope (404 otherwise, so ids of other
tenants are not even confirmed to exist).

Scopes (DESIGN.md §1):

=========== =====================================================================
admin       everything
regulator   enterprises whose 行政区划 code starts with its jurisdiction's prefix
enterprise  its own enterprise; persons with a current or former employment there
institution its own institution (classes come with the training module)
worker      their own person record
=========== =====================================================================
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from app.auth.models import Role, User
from app.extensions import db
from app.people.models import Employment, Enterprise, Person


def region_prefix(user: User) -> str | None:
    """The 行政区划 prefix a regulator may see; None for roles not bound to a region."""
    if user.role is Role.REGULATOR and user.jurisdiction is not None:
        return user.jurisdiction.scope_prefix
    return None


def enterprises_query(user: User) -> sa.Select:
    query = sa.select(Enterprise)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.REGULATOR:
            return query.where(Enterprise.region_code.startswith(region_prefix(user) or "\0"))
        case Role.ENTERPRISE:
            return query.where(Enterprise.id == user.enterprise_id)
        case _:
            return query.where(sa.false())


def _visible_enterprise_ids(user: User) -> sa.Select:
    return enterprises_query(user).with_only_columns(Enterprise.id)


def persons_query(user: User) -> sa.Select:
    query = sa.select(Person)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.WORKER:
            return query.where(Person.id == user.person_id)
        case Role.REGULATOR | Role.ENTERPRISE:
            employed = sa.select(Employment.person_id).where(Employment.enterprise_id.in_(_visible_enterprise_ids(user)))
            return query.where(Person.id.in_(employed))
        case _:
            return query.where(sa.false())


def employments_query(user: User) -> sa.Select:
    query = sa.select(Employment)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.WORKER:
            return query.where(Employment.person_id == user.person_id)
        case Role.REGULATOR | Role.ENTERPRISE:
            return query.where(Employment.enterprise_id.in_(_visible_enterprise_ids(user)))
        case _:
            return query.where(sa.false())


def _one_or_404(query: sa.Select):
    obj = db.session.scalars(query).first()
    if obj is None:
        abort(404)
    return obj


def get_enterprise_or_404(user: User, enterprise_id: int) -> Enterprise:
    return _one_or_404(enterprises_query(user).where(Enterprise.id == enterprise_id))


def get_person_or_404(user: User, person_id: int) -> Person:
    return _one_or_404(persons_query(user).where(Person.id == person_id))


def get_employment_or_404(user: User, employment_id: int) -> Employment:
    return _one_or_404(employments_query(user).where(Employment.id == employment_id))


def can_manage_roster(user: User, enterprise: Enterprise) -> bool:
    """Adding, editing and ending employments: the enterprise's own admin, or the platform admin."""
    return user.role is Role.ADMIN or (user.role is Role.ENTERPRISE and user.enterprise_id == enterprise.id)


def can_register_enterprise(user: User, region_code: str) -> bool:
    if user.role is Role.ADMIN:
        return True
    prefix = region_prefix(user)
    return prefix is not None and region_code.startswith(prefix)


def can_see_full_id(user: User, person: Person) -> bool:
    """The full 证件号码 is shown to the person, to the platform admin and to regulators (执法 needs it);
    employers see it masked except on the edit form of their own current staff."""
    if user.role in (Role.ADMIN, Role.REGULATOR):
        return True
    return user.role is Role.WORKER and user.person_id == person.id


def archive_enterprise_filter(user: User) -> int | None:
    """An employer sees only its own and neutral events in a file; everyone else in scope sees all."""
    return user.enterprise_id if user.role is Role.ENTERPRISE else None
