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

Question banks and paper templates (``banks_query``/``templates_query``): national ones are readable by every
staff role; a regional one (``region_code`` = a 6-digit 行政区划 code) by users in that area or below it, and by
regulators whose jurisdiction contains it;
an enterprise's or institution's own bank is visible only to that enterprise/institution. Managing
(``can_manage_bank``/``can_manage_template``) is narrower: the platform admin manages national and regional
banks; enterprises and institutions manage their own; regulators manage the regional templates of their area
(逢查必考) but no bank. Read-only users never see answers (views ask ``can_manage_bank``).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from app.auth.models import Role, User
from app.auth.ownership import OwnerScope
from app.bank.models import Bank, PaperTemplate
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
            employed = sa.select(Employment.person_id).where(
                Employment.enterprise_id.in_(_visible_enterprise_ids(user))
            )
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


# ---------------------------------------------------------------- 逢查必考 (spotchecks)
# Imported here rather than at the top: spotchecks sits above people in the dependency order.


def inspections_query(user: User) -> sa.Select:
    """Regulators: inspections of enterprises in their jurisdiction; admin: all; an enterprise: its own."""
    from app.spotchecks.models import Inspection

    query = sa.select(Inspection)
    if user.role in (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE):
        return (
            query
            if user.role is Role.ADMIN
            else query.where(Inspection.enterprise_id.in_(_visible_enterprise_ids(user)))
        )
    return query.where(sa.false())


def get_inspection_or_404(user: User, inspection_id: int):
    from app.spotchecks.models import Inspection

    return _one_or_404(inspections_query(user).where(Inspection.id == inspection_id))


def findings_query(user: User) -> sa.Select:
    """整改问题清单 items, with the same visibility as their inspections."""
    from app.spotchecks.models import Finding

    query = sa.select(Finding)
    if user.role is Role.ADMIN:
        return query
    if user.role in (Role.REGULATOR, Role.ENTERPRISE):
        return query.where(Finding.enterprise_id.in_(_visible_enterprise_ids(user)))
    return query.where(sa.false())


def get_finding_or_404(user: User, finding_id: int):
    from app.spotchecks.models import Finding

    return _one_or_404(findings_query(user).where(Finding.id == finding_id))


def can_inspect(user: User, enterprise: Enterprise) -> bool:
    """Opening and running an inspection: a regulator whose jurisdiction covers the enterprise."""
    prefix = region_prefix(user)
    return user.role is Role.REGULATOR and prefix is not None and enterprise.region_code.startswith(prefix)


def can_work_finding(user: User, enterprise_id: int) -> bool:
    """Assigning retraining and scheduling the 补考: the enterprise's own admin."""
    return user.role is Role.ENTERPRISE and user.enterprise_id == enterprise_id


# ---------------------------------------------------------------- exams: sittings and attempts

from app.exams.models import Attempt, Candidate, Sitting  # noqa: E402  (grouped with the functions that use it)


def sittings_query(user: User) -> sa.Select:
    """Sittings a user may see as organiser: the enterprise's or institution's own, a regulator's region, all for admin.

    Enterprise and institution sittings carry their organiser's region code, so a regulator also sees them (read only;
    acting on them needs :func:`can_organise`).
    """
    query = sa.select(Sitting)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.REGULATOR:
            return query.where(Sitting.region_code.startswith(region_prefix(user) or "\0"))
        case Role.ENTERPRISE:
            return query.where(Sitting.enterprise_id == user.enterprise_id)
        case Role.INSTITUTION:
            return query.where(Sitting.institution_id == user.institution_id)
        case _:
            return query.where(sa.false())


def get_sitting_or_404(user: User, sitting_id: int) -> Sitting:
    return _one_or_404(sittings_query(user).where(Sitting.id == sitting_id))


def can_organise(user: User, sitting: Sitting) -> bool:
    """Extending time, creating a 补考, exporting: the organiser itself (a regulator only for regulator-run sittings)."""
    match user.role:
        case Role.ADMIN:
            return True
        case Role.ENTERPRISE:
            return sitting.enterprise_id is not None and sitting.enterprise_id == user.enterprise_id
        case Role.INSTITUTION:
            return sitting.institution_id is not None and sitting.institution_id == user.institution_id
        case Role.REGULATOR:
            prefix = region_prefix(user)
            return (
                sitting.enterprise_id is None
                and sitting.institution_id is None
                and prefix is not None
                and sitting.region_code.startswith(prefix)
            )
        case _:
            return False


def attempts_query(user: User) -> sa.Select:
    """Attempts visible to a user: a worker's own; an organiser's, through the sittings it may see."""
    query = sa.select(Attempt)
    if user.role is Role.WORKER:
        return query.where(Attempt.person_id == (user.person_id or -1))
    return query.where(Attempt.sitting_id.in_(sittings_query(user).with_only_columns(Sitting.id)))


def get_attempt_or_404(user: User, attempt_id: int) -> Attempt:
    return _one_or_404(attempts_query(user).where(Attempt.id == attempt_id))


def get_own_attempt_or_404(user: User, attempt_id: int) -> Attempt:
    """The attempt only if it is the worker's own: nobody answers, or reads a live paper, on a candidate's behalf."""
    if user.role is not Role.WORKER or user.person_id is None:
        abort(404)
    return _one_or_404(sa.select(Attempt).where(Attempt.id == attempt_id, Attempt.person_id == user.person_id))


def candidate_sittings_query(user: User) -> sa.Select:
    """Sittings the worker is a candidate of (not cancelled)."""
    if user.role is not Role.WORKER or user.person_id is None:
        return sa.select(Sitting).where(sa.false())
    invited = sa.select(Candidate.sitting_id).where(Candidate.person_id == user.person_id)
    return sa.select(Sitting).where(Sitting.id.in_(invited), Sitting.cancelled.is_(False))


def get_candidate_sitting_or_404(user: User, sitting_id: int) -> Sitting:
    return _one_or_404(candidate_sittings_query(user).where(Sitting.id == sitting_id))


def exam_candidates_query(user: User) -> sa.Select:
    """Current employments an organiser may enrol as candidates (the roster in scope; institutions get theirs with classes)."""
    if user.role not in (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE):
        return sa.select(Employment).where(sa.false())
    return employments_query(user).where(Employment.end_date.is_(None))


def _region_and_ancestors(code: str) -> list[str]:
    """320102 → [320000, 320100, 320102]: the 行政区划 whose regional banks and templates apply here."""
    return [code[:2] + "0000", code[:4] + "00", code] if code else []


def exam_templates_query(user: User) -> sa.Select:
    """Active paper templates an organiser may build a sitting from (the same visibility as ``templates_query``)."""
    return templates_query(user).where(PaperTemplate.active.is_(True))


# ---------------------------------------------------------------- question banks and paper templates


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


def _owned_visibility(model, user: User):
    """Condition on an ``OwnedMixin`` model (Bank or PaperTemplate) for what ``user`` may use."""
    national = model.scope == OwnerScope.NATIONAL
    regional = model.scope == OwnerScope.REGIONAL
    if user.role is Role.ADMIN:
        return sa.or_(national, regional)
    # A regional item covers the user's area when it belongs to that 行政区划 or one of its ancestors.
    covering = sa.and_(regional, model.region_code.in_(_region_and_ancestors(user_region_code(user) or "")))
    match user.role:
        case Role.REGULATOR:
            inside = sa.and_(regional, model.region_code.startswith(region_prefix(user) or "\0"))
            return sa.or_(national, covering, inside)
        case Role.ENTERPRISE:
            own = sa.and_(model.scope == OwnerScope.ENTERPRISE, model.enterprise_id == user.enterprise_id)
            return sa.or_(national, covering, own)
        case Role.INSTITUTION:
            own = sa.and_(model.scope == OwnerScope.INSTITUTION, model.institution_id == user.institution_id)
            return sa.or_(national, covering, own)
        case _:
            return sa.false()


def banks_query(user: User) -> sa.Select:
    """Banks ``user`` may read and draw papers from."""
    return sa.select(Bank).where(_owned_visibility(Bank, user))


def templates_query(user: User) -> sa.Select:
    """Paper templates ``user`` may use (and see)."""
    return sa.select(PaperTemplate).where(_owned_visibility(PaperTemplate, user))


def get_bank_or_404(user: User, bank_id: int) -> Bank:
    return _one_or_404(banks_query(user).where(Bank.id == bank_id))


def get_template_or_404(user: User, template_id: int) -> PaperTemplate:
    return _one_or_404(templates_query(user).where(PaperTemplate.id == template_id))


def _owns(user: User, item) -> bool:
    match user.role:
        case Role.ADMIN:
            return item.scope in (OwnerScope.NATIONAL, OwnerScope.REGIONAL)
        case Role.ENTERPRISE:
            return item.scope is OwnerScope.ENTERPRISE and item.enterprise_id == user.enterprise_id
        case Role.INSTITUTION:
            return item.scope is OwnerScope.INSTITUTION and item.institution_id == user.institution_id
    return False


def can_manage_bank(user: User, bank: Bank) -> bool:
    """Import, edit, retire, export and see answers."""
    return _owns(user, bank)


def can_manage_template(user: User, template: PaperTemplate) -> bool:
    if user.role is Role.REGULATOR:
        prefix = region_prefix(user)
        return (
            template.scope is OwnerScope.REGIONAL
            and prefix is not None
            and template.region_code != ""
            and template.region_code.startswith(prefix)
        )
    return _owns(user, template)


def own_scope(user: User) -> dict | None:
    """Owner columns for a bank or template the user creates; None when the role creates none.

    The platform admin creates national items (regional ones are chosen explicitly in the form); a regulator
    creates regional templates for its jurisdiction.
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
