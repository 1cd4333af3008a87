"""逢查必考: who sees a draw's seed (the table in :mod:`app.auth.policy`: draw seed); what the inspections and
findings pages offer."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.models import Role, User
from app.auth.policy.roles import acts_for_own_enterprise, oversees


def may_see_draw_seed(user: User, inspection) -> bool:
    """The random seed of a 逢查必考 draw."""
    if user.role in (Role.ADMIN, Role.REGULATOR):
        return True
    return inspection.closed_at is not None


@dataclass(frozen=True)
class InspectionsPage:
    """逢查必考 inspections list."""

    can_start_inspection: bool  # a regulator opens an inspection
    sees_stats: bool  # the admin and regulators analyse pass rates


def inspections_page(user: User) -> InspectionsPage:
    return InspectionsPage(can_start_inspection=user.role is Role.REGULATOR, sees_stats=oversees(user))


@dataclass(frozen=True)
class FindingsPage:
    """整改问题清单."""

    sees_enterprise_column: bool  # an enterprise sees only its own findings


def findings_page(user: User) -> FindingsPage:
    return FindingsPage(sees_enterprise_column=not acts_for_own_enterprise(user))
