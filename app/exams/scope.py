"""Who may see which sittings and attempts. Built on ``app.auth.scope`` and ``app.people.scope``.

An organiser (enterprise, institution, regulator, admin) sees the sittings it organises, a regulator also those in
its region (read only: acting needs :func:`can_organise`); a worker sees the sittings they are a candidate of —
except 逢查必考 sittings, which are reached only through their ticket (``app.spotchecks``), never from the worker's
own exam list or start page.

实操 (practical) sittings are the authority's own: regulators see those of their region, the platform admin all;
their attempts also the candidate (their own score sheet). Enterprises and institutions reach a practical result
only through the person's 一人一档.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from sqlalchemy import orm as so

from app.auth.models import Role, User
from app.auth.scope import NOWHERE, one_or_404, organises, region_prefix
from app.exams.models import Attempt, Candidate, ExamKind, GateOverride, Sitting
from app.exams.practical.models import PracticalAttempt, PracticalSitting
from app.people.models import Employment
from app.people.scope import employments_query

#: Kinds a candidate reaches from their own exam list; the others have their own entry (a spot-check ticket).
SELF_SERVICE_KINDS = tuple(kind for kind in ExamKind if kind is not ExamKind.SPOTCHECK)


def sittings_query(user: User) -> sa.Select:
    """Sittings a user may see as organiser: the enterprise's or institution's own, a regulator's region, all for admin.

    Enterprise and institution sittings carry their organiser's region code, so a regulator also sees them.
    """
    query = sa.select(Sitting)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.REGULATOR:
            return query.where(Sitting.region_code.startswith(region_prefix(user) or NOWHERE))
        case Role.ENTERPRISE:
            return query.where(Sitting.enterprise_id == user.enterprise_id)
        case Role.INSTITUTION:
            return query.where(Sitting.institution_id == user.institution_id)
        case _:
            return query.where(sa.false())


def get_sitting_or_404(user: User, sitting_id: int) -> Sitting:
    return one_or_404(sittings_query(user).where(Sitting.id == sitting_id))


def can_organise(user: User, sitting: Sitting) -> bool:
    """Extending time, creating a 补考, exporting: the organiser itself (a regulator only for regulator-run sittings)."""
    return organises(user, sitting)


def attempts_query(user: User) -> sa.Select:
    """Attempts visible to a user: a worker's own; an organiser's, through the sittings it may see."""
    query = sa.select(Attempt)
    if user.role is Role.WORKER:
        return query.where(Attempt.person_id == (user.person_id or -1))
    return query.where(Attempt.sitting_id.in_(sittings_query(user).with_only_columns(Sitting.id)))


def get_attempt_or_404(user: User, attempt_id: int) -> Attempt:
    return one_or_404(attempts_query(user).where(Attempt.id == attempt_id))


def get_own_attempt_or_404(user: User, attempt_id: int, *, for_page: bool = False) -> Attempt:
    """The worker's own attempt of a self-service sitting: nobody answers, or reads a live paper, on a candidate's
    behalf, and a 逢查必考 attempt is answered only through its ticket. ``for_page``: with its sitting and its
    questions' JSON in the same statement (the exam page shows both: two statements fewer in the start rush)."""
    if user.role is not Role.WORKER or user.person_id is None:
        abort(404)
    query = (
        sa.select(Attempt)
        .join(Sitting, Attempt.sitting_id == Sitting.id)
        .where(Attempt.id == attempt_id, Attempt.person_id == user.person_id, Sitting.kind.in_(SELF_SERVICE_KINDS))
    )
    if for_page:
        query = query.options(so.contains_eager(Attempt.sitting), so.undefer(Attempt.questions_json))
    return one_or_404(query)


def candidate_sittings_query(user: User) -> sa.Select:
    """Self-service sittings the worker is a candidate of."""
    if user.role is not Role.WORKER or user.person_id is None:
        return sa.select(Sitting).where(sa.false())
    invited = sa.select(Candidate.sitting_id).where(Candidate.person_id == user.person_id)
    return sa.select(Sitting).where(Sitting.id.in_(invited), Sitting.kind.in_(SELF_SERVICE_KINDS))


def get_candidate_sitting_or_404(user: User, sitting_id: int) -> Sitting:
    return one_or_404(candidate_sittings_query(user).where(Sitting.id == sitting_id))


def exam_candidates_query(user: User) -> sa.Select:
    """Current employments an organiser may enrol as candidates: the roster in scope, or an institution's trainees."""
    if user.role not in (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.INSTITUTION):
        return sa.select(Employment).where(sa.false())
    return employments_query(user).where(Employment.end_date.is_(None))


# ---------------------------------------------------------------- 实操 (practical) sittings


def practical_sittings_query(user: User) -> sa.Select:
    """Practical sittings a user may see: all for the admin, those of its region for a regulator, none otherwise."""
    query = sa.select(PracticalSitting)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.REGULATOR:
            return query.where(PracticalSitting.region_code.startswith(region_prefix(user) or NOWHERE))
        case _:
            return query.where(sa.false())


def get_practical_sitting_or_404(user: User, sitting_id: int) -> PracticalSitting:
    return one_or_404(practical_sittings_query(user).where(PracticalSitting.id == sitting_id))


def practical_attempts_query(user: User) -> sa.Select:
    """Practical attempts a user may see: a worker's own; staff's through the sittings they may see."""
    query = sa.select(PracticalAttempt)
    if user.role is Role.WORKER:
        return query.where(PracticalAttempt.person_id == (user.person_id or -1))
    return query.where(
        PracticalAttempt.sitting_id.in_(practical_sittings_query(user).with_only_columns(PracticalSitting.id))
    )


def get_practical_attempt_or_404(user: User, attempt_id: int) -> PracticalAttempt:
    return one_or_404(practical_attempts_query(user).where(PracticalAttempt.id == attempt_id))


# ---------------------------------------------------------------- hours-gate overrides


def gate_overrides_query(user: User) -> sa.Select:
    """Overrides of the hours gate a user supervises: a regulator those of sittings in its region, the platform admin
    all; nobody else (资格考试 and 复审考试 are the authority's own)."""
    query = sa.select(GateOverride).join(Sitting, Sitting.id == GateOverride.sitting_id)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.REGULATOR:
            return query.where(Sitting.region_code.startswith(region_prefix(user) or NOWHERE))
        case _:
            return query.where(sa.false())
