"""人像抓拍: who sees a person's snapshots, the person's own among them, and who reviews them (the table in
:mod:`app.auth.policy`: 人像抓拍 snapshots, own snapshots, snapshot 复核)."""

from __future__ import annotations

from app.auth.models import Role, User
from app.auth.scope import organises, region_prefix


def may_see_own_snapshots(user: User, person_id: int) -> bool:
    """The 人像抓拍 snapshots of ``person_id`` as their subject sees them (see the table: not the working record)."""
    return user.role is Role.WORKER and user.person_id == person_id


def may_see_snapshots(user: User, event, *, person_in_scope: bool) -> bool:
    """The 人像抓拍 snapshots (and, beside them, the registered photo) of a person in ``event`` — a class or a
    sitting, with its organiser columns — for a user who already reaches the event in scope.

    :param person_in_scope: the user reaches the person record (``app.people.scope``): for a regulator, the
        person's employer is in its region.
    """
    match user.role:
        case Role.ADMIN:
            return True
        case Role.ENTERPRISE | Role.INSTITUTION:
            return organises(user, event)
        case Role.REGULATOR:
            prefix = region_prefix(user)
            in_region = prefix is not None and (event.region_code or "").startswith(prefix)
            return organises(user, event) or in_region or person_in_scope
    return False


def may_review_snapshots(user: User, event, *, person_in_scope: bool) -> bool:
    """Reviewing (复核) the flagged 人像抓拍 snapshots of a person in ``event`` — a class or a sitting, with its
    organiser columns — for a user who already reaches the event in scope: its organiser (enterprise or institution,
    a regulator for the authority's own events) and the platform admin; a regulator also wherever
    :func:`may_see_snapshots` shows it the snapshots, as the supervising authority.

    :param person_in_scope: as for :func:`may_see_snapshots`.
    """
    return may_see_snapshots(user, event, person_in_scope=person_in_scope)  # today the same people, by design
