"""Tenancy primitives: which region, enterprise or institution a user acts for, and the owner rule of shared
resources. Every domain builds its visibility queries from these, in its own ``scope.py``:

=========================== ===========================================================================
``app.people.scope``        enterprises, persons, employments (the roster)
``app.bank.scope``          question banks and paper templates
``app.exams.scope``         sittings, attempts, the candidate's sittings
``app.spotchecks.scope``    inspections and findings
``app.auth.policy``         what a user may see *inside* a record (answers, the draw seed, full ID numbers)
=========================== ===========================================================================

Each ``*_query(user)`` returns a ``Select`` already restricted to the user's scope, and each
``get_*_or_404(user, id)`` loads one object only if it is in scope (404 otherwise, so ids of other tenants are not
even confirmed to exist). Views never write their own "who may see this" condition.

Scopes (DESIGN.md §1):

=========== =====================================================================
admin       everything
regulator   enterprises whose 行政区划 code starts with its jurisdiction's prefix
enterprise  its own enterprise; persons with a current or former employment there
institution its own institution; the persons enrolled in its classes and sittings
worker      their own person record
=========== =====================================================================

Shared resources (banks, templates, courses) carry an owner (``app.auth.ownership``): national ones are usable
by every staff role; a regional one by users in that area or below it, and by regulators whose jurisdiction
contains it; an enterprise's or institution's own only by that enterprise or institution. Managing is narrower
(:func:`owns`).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from app.auth.models import Role, User
from app.auth.ownership import OwnerScope
from app.extensions import db

#: Staff roles that organise and oversee (everyone but the worker).
STAFF = (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.INSTITUTION)

#: A prefix no 行政区划 code starts with: the condition of a regulator without a jurisdiction.
NOWHERE = "\0"


def region_prefix(user: User) -> str | None:
    """The 行政区划 prefix a regulator may see; None for roles not bound to a region."""
    if user.role is Role.REGULATOR and user.jurisdiction is not None:
        return user.jurisdiction.scope_prefix
    return None


def user_region_code(user: User) -> str | None:
    """The 行政区划 code a user works in: its enterprise's or institution's, or the regulator's jurisdiction."""
    match user.role:
        case Role.ENTERPRISE if user.enterprise is not None:
            return user.enterprise.region_code
        case Role.INSTITUTION if user.institution is not None:
            return user.institution.region_code
        case Role.REGULATOR if user.jurisdiction is not None:
            return user.jurisdiction.code
    return None


def region_and_ancestors(code: str) -> list[str]:
    """320102 → [320000, 320100, 320102]: the 行政区划 whose regional resources apply here."""
    return [code[:2] + "0000", code[:4] + "00", code] if code else []


def one_or_404(query: sa.Select):
    """The first row of a scoped query, or a 404 (never a 403: another tenant's ids are not confirmed)."""
    obj = db.session.scalars(query).first()
    if obj is None:
        abort(404)
    return obj


# ---------------------------------------------------------------- owned resources (banks, templates, courses)


def owned_visibility(model, user: User):
    """Condition on an ``OwnedMixin`` model for what ``user`` may use."""
    national = model.scope == OwnerScope.NATIONAL
    regional = model.scope == OwnerScope.REGIONAL
    if user.role is Role.ADMIN:
        return sa.or_(national, regional)
    # A regional item covers the user's area when it belongs to that 行政区划 or one of its ancestors.
    covering = sa.and_(regional, model.region_code.in_(region_and_ancestors(user_region_code(user) or "")))
    match user.role:
        case Role.REGULATOR:
            inside = sa.and_(regional, model.region_code.startswith(region_prefix(user) or NOWHERE))
            return sa.or_(national, covering, inside)
        case Role.ENTERPRISE:
            own = sa.and_(model.scope == OwnerScope.ENTERPRISE, model.enterprise_id == user.enterprise_id)
            return sa.or_(national, covering, own)
        case Role.INSTITUTION:
            own = sa.and_(model.scope == OwnerScope.INSTITUTION, model.institution_id == user.institution_id)
            return sa.or_(national, covering, own)
        case _:
            return sa.false()


def owns(user: User, item) -> bool:
    """True when ``user`` speaks for the owner of ``item`` (an ``OwnedMixin`` row): it may change it."""
    match user.role:
        case Role.ADMIN:
            return item.scope in (OwnerScope.NATIONAL, OwnerScope.REGIONAL)
        case Role.ENTERPRISE:
            return item.scope is OwnerScope.ENTERPRISE and item.enterprise_id == user.enterprise_id
        case Role.INSTITUTION:
            return item.scope is OwnerScope.INSTITUTION and item.institution_id == user.institution_id
    return False


def owns_regionally(user: User, item) -> bool:
    """A regulator speaks for the regional items of its own area (its 逢查必考 templates)."""
    prefix = region_prefix(user)
    return (
        user.role is Role.REGULATOR
        and item.scope is OwnerScope.REGIONAL
        and prefix is not None
        and item.region_code != ""
        and item.region_code.startswith(prefix)
    )


def own_scope(user: User) -> dict | None:
    """Owner columns for a resource the user creates; None when the role creates none.

    The platform admin creates national items (regional ones are chosen explicitly in the form); a regulator
    creates regional ones for its jurisdiction.
    """
    match user.role:
        case Role.ADMIN:
            return {"scope": OwnerScope.NATIONAL, "region_code": ""}
        case Role.REGULATOR if user.jurisdiction is not None:
            return {"scope": OwnerScope.REGIONAL, "region_code": user.jurisdiction.code}
        case Role.ENTERPRISE if user.enterprise_id:
            return {"scope": OwnerScope.ENTERPRISE, "enterprise_id": user.enterprise_id}
        case Role.INSTITUTION if user.institution_id:
            return {"scope": OwnerScope.INSTITUTION, "institution_id": user.institution_id}
    return None


# ---------------------------------------------------------------- organised events (sittings, classes)


def organises(user: User, item) -> bool:
    """True when ``user`` speaks for the organiser of ``item`` (a sitting, a class): the enterprise or institution
    that runs it, or — for events run by the authority itself (no enterprise, no institution) — a regulator of its
    region. The platform admin organises everything."""
    match user.role:
        case Role.ADMIN:
            return True
        case Role.ENTERPRISE:
            return item.enterprise_id is not None and item.enterprise_id == user.enterprise_id
        case Role.INSTITUTION:
            return item.institution_id is not None and item.institution_id == user.institution_id
        case Role.REGULATOR:
            prefix = region_prefix(user)
            return (
                item.enterprise_id is None
                and item.institution_id is None
                and prefix is not None
                and item.region_code.startswith(prefix)
            )
    return False
