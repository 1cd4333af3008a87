"""Inside a person's record: the full 证件号码, the registered photo, the person's own record and the 查阅记录;
what the roster and enterprises pages offer (the table in :mod:`app.auth.policy`: full 证件号码, registered photo)."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.models import Role, User
from app.auth.policy.roles import acts_for_own_enterprise, is_platform_admin


def may_see_full_id(user: User, person) -> bool:
    """The full 证件号码 of ``person``."""
    if sees_others_full_ids(user):
        return True
    return user.role is Role.WORKER and user.person_id == person.id


def sees_others_full_ids(user: User) -> bool:
    """Full 证件号码 of persons other than itself, wherever it reaches them: the platform admin and regulators (and an
    API client of a jurisdiction). A bulk export to such a client is one 查阅记录 row naming its scope."""
    return user.role in (Role.ADMIN, Role.REGULATOR)


def may_see_photo(user: User, person, *, record_shared: bool = True) -> bool:
    """The registered photo of a person the user already reaches in scope (the caller loaded it through scope).

    :param record_shared: the person's shared record is the user's to see (``app.people.scope.sees_full_record``):
        False for an enterprise whose employment of the person awaits the person's confirmation.
    """
    if not record_shared:
        return False
    return user.role in (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE) or (
        user.role is Role.WORKER and user.person_id == person.id
    )


def may_withdraw_photo_consent(user: User, person) -> bool:
    """Withdrawing consent to the registered photo (biometric data): the person themself, nobody on their behalf."""
    return user.role is Role.WORKER and user.person_id == person.id


def is_own_record(user: User, person_id: int) -> bool:
    """The user is the person ``person_id`` (their own data: not recorded in the 查阅记录, which says who else saw it)."""
    return user.role is Role.WORKER and user.person_id == person_id


def may_query_access_log(user: User) -> bool:
    """The 查阅记录 of everyone (by person, viewer and dates): the platform admin. A person reads their own."""
    return user.role is Role.ADMIN


@dataclass(frozen=True)
class RosterPage:
    """花名册 (and the import pages beside it)."""

    can_manage: bool  # adding people and importing a roster
    sees_enterprise_column: bool  # the list spans several enterprises
    links_enterprise_param: bool  # links to the roster's forms carry ``?enterprise=`` (the platform admin's choice)


def roster_page(user: User, *, enterprise_chosen: bool, manages_chosen: bool = False) -> RosterPage:
    """:param enterprise_chosen: the page shows one enterprise named by ``?enterprise=``.
    :param manages_chosen: the user may manage that enterprise's roster (``app.people.scope.can_manage_roster``)."""
    own = acts_for_own_enterprise(user)
    return RosterPage(
        can_manage=manages_chosen if enterprise_chosen else own,
        sees_enterprise_column=not enterprise_chosen and not own,
        links_enterprise_param=enterprise_chosen and is_platform_admin(user),
    )


@dataclass(frozen=True)
class EnterprisesPage:
    in_jurisdiction: bool  # a regulator's list is its 辖区's


def enterprises_page(user: User) -> EnterprisesPage:
    return EnterprisesPage(in_jurisdiction=user.role is Role.REGULATOR)
