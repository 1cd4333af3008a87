"""Training: who builds courses and classes, who approves a correction of 面授 attendance (the table in
:mod:`app.auth.policy`: attendance correction); what a class page offers."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.models import Role, User
from app.auth.policy.roles import acts_for_own_enterprise
from app.auth.scope import organises, region_prefix

#: Who creates courses and opens classes: the admin, enterprises and institutions (a regulator supervises).
TRAINING_BUILDERS = (Role.ADMIN, Role.ENTERPRISE, Role.INSTITUTION)


def may_build_training(user: User) -> bool:
    """Creating courses and opening classes (:data:`TRAINING_BUILDERS`)."""
    return user.role in TRAINING_BUILDERS


def may_approve_correction(user: User, training_class, *, requested_by_id: int | None) -> bool:
    """Approving or refusing a correction of ``training_class``'s 面授 attendance after its day (see the table)."""
    if user is None or user.id == requested_by_id:
        return False
    if user.role is Role.REGULATOR:
        prefix = region_prefix(user)
        return prefix is not None and (training_class.region_code or "").startswith(prefix)
    return bool(user.supervisor) and organises(user, training_class)


@dataclass(frozen=True)
class ClassPage:
    """A training class (班次)."""

    can_organise: bool  # attendance, the class exam, the archive
    links_class_exam: bool  # an enterprise sees an institution's class in its province, not that institution's sitting
    can_issue_certificates: bool  # the organising enterprise or institution issues 培训合格证明


def class_page(user: User, training_class) -> ClassPage:
    organiser = organises(user, training_class)
    return ClassPage(
        can_organise=organiser,
        links_class_exam=organiser or not acts_for_own_enterprise(user),
        can_issue_certificates=organiser and user.role in (Role.ENTERPRISE, Role.INSTITUTION),
    )
