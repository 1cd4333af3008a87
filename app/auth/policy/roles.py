"""Who acts as what, asked by views instead of comparing roles, and what each role's home page shows."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.models import Role, User


def is_candidate(user: User) -> bool:
    """The user takes exams and studies as a person (a worker): its pages lead back to its own exam list."""
    return user.role is Role.WORKER


def is_own_candidate(user: User) -> bool:
    """A worker with a person record: the worker's own exams, practicals and study lists apply."""
    return user.is_authenticated and user.role is Role.WORKER and user.person_id is not None


def acts_for_own_enterprise(user: User) -> bool:
    """An enterprise's own admin: its roster, ledger and 持证上岗 pages are its enterprise's, chosen by no parameter
    (the platform admin and regulators name an enterprise with ``?enterprise=``)."""
    return user.role is Role.ENTERPRISE


def acts_for_institution(user: User) -> bool:
    """A training institution's staff: it reviews the applications to its classes and reads its own record."""
    return user.role is Role.INSTITUTION


def is_authority(user: User) -> bool:
    """A regulator account (应急管理部门): records complaints, publishes rankings, is named as 执法人员."""
    return user.role is Role.REGULATOR


def oversees(user: User) -> bool:
    """The platform admin and regulators: they oversee enterprises and institutions rather than belong to one."""
    return user.role in (Role.ADMIN, Role.REGULATOR)


def is_platform_admin(user: User) -> bool:
    """The platform admin: national banks, every city, every jurisdiction."""
    return user.role is Role.ADMIN


@dataclass(frozen=True)
class HomePage:
    """Each role's home page: its template and the figures loaded for it."""

    template: str
    sees_region_overview: bool  # counts of enterprises and persons in scope
    sees_supervision: bool  # the regulator's supervision overview
    sees_figures: bool  # the dashboard tiles of the user's place
    sees_enterprise_staff: bool
    sees_institution_score: bool
    sees_own_record: bool  # a worker's own hours, certificates and findings


def home_page(user: User) -> HomePage:
    role = user.role
    return HomePage(
        template=f"home/{role.value}.html",
        sees_region_overview=oversees(user),
        sees_supervision=role is Role.REGULATOR,
        sees_figures=role is Role.ADMIN
        or (role is Role.REGULATOR and user.jurisdiction is not None)
        or (role is Role.ENTERPRISE and user.enterprise is not None),
        sees_enterprise_staff=role is Role.ENTERPRISE,
        sees_institution_score=role is Role.INSTITUTION and user.institution is not None,
        sees_own_record=role is Role.WORKER and user.person_id is not None,
    )
