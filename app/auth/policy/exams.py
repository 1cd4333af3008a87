"""Questions and exams: the answer key, an attempt's review, who organises exams and keeps a bank, 实操 organising,
scoring and its signatures; what a result page offers (the table in :mod:`app.auth.policy`: answer key, attempt
review, 实操 organising, 实操 scoring)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from app.auth.models import Role, User
from app.auth.policy.roles import is_candidate
from app.auth.scope import organises, owns, region_prefix


def may_see_answer_key(user: User, banks: Iterable) -> bool:
    """The right answers and explanations of questions drawn from ``banks`` (``OwnedMixin`` rows)."""
    banks = list(banks)
    return bool(banks) and all(owns(user, bank) for bank in banks)


def review_withheld(user: User, attempt, *, banks: Iterable, now: datetime, makeup_pending: bool) -> str | None:
    """Why a graded attempt's review (every question with its right answer and explanation) is not shown to
    ``user``, or None when it is: ``not_offered`` (the sitting gives none, or it is a 逢查必考), ``after_close``
    (colleagues may still be sitting it), ``makeup_pending`` (a 补考 is still to come), ``not_owner``.

    :param attempt: the attempt (with ``sitting``, ``person_id``).
    :param banks: the banks its paper was drawn from.
    :param makeup_pending: the candidate failed and a 补考 is available or scheduled.
    """
    sitting = attempt.sitting
    if user.role is Role.WORKER:
        if user.person_id != attempt.person_id or not sitting.allow_review or sitting.kind == "spotcheck":
            return "not_offered"
        if now < sitting.closes_at:
            return "after_close"
        if makeup_pending:
            return "makeup_pending"
        return None
    if user.role is Role.REGULATOR and organises(user, sitting):
        return None
    return None if may_see_answer_key(user, banks) else "not_owner"


def may_review_attempt(user: User, attempt, *, banks: Iterable, now: datetime, makeup_pending: bool) -> bool:
    """See :func:`review_withheld`."""
    return review_withheld(user, attempt, banks=banks, now=now, makeup_pending=makeup_pending) is None


def may_organise_exams(user: User) -> bool:
    """Creating exam sittings: every staff role."""
    return user.role in (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.INSTITUTION)


def may_create_own_bank(user: User) -> bool:
    """An enterprise or institution may keep a bank of its own (the view checks it has none yet)."""
    return user.role in (Role.ENTERPRISE, Role.INSTITUTION)


def may_organise_practical(user: User, sitting=None) -> bool:
    """Scheduling a 实操考试场次 (``sitting`` None), or running ``sitting`` — its candidates and examiners: a regulator
    whose jurisdiction contains the sitting's region (``region_code``)."""
    prefix = region_prefix(user)
    if user.role is not Role.REGULATOR or prefix is None:
        return False
    return sitting is None or sitting.region_code.startswith(prefix)


def may_score_practical(user: User, sitting) -> bool:
    """Entering and signing scores at a practical sitting: one of its assigned examiners (``examiner_ids``), who are
    regulator accounts."""
    return user is not None and user.role is Role.REGULATOR and user.id in sitting.examiner_ids


def may_see_signing_details(user: User, sitting) -> bool:
    """Where each examiner signed from (the IP of the signature) on a practical score sheet: the admin and regulators
    who reach the sitting — not the candidate, who sees names and times."""
    prefix = region_prefix(user)
    return user.role is Role.ADMIN or (
        user.role is Role.REGULATOR and prefix is not None and sitting.region_code.startswith(prefix)
    )


@dataclass(frozen=True)
class ResultPage:
    """An attempt's result."""

    back_to_own_exams: bool  # the candidate returns to its exam list, staff to the sitting


def result_page(user: User) -> ResultPage:
    return ResultPage(back_to_own_exams=is_candidate(user))
