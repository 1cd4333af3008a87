"""实操 sittings at a 实操考点 and their examiners (``exam.practical.examiners`` per candidate, frozen on the sitting
when it is created)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from app.auth.models import Role, User
from app.auth.policy import exams as exam_policy
from app.core.errors import DomainError
from app.exams.practical.models import PracticalAttempt, PracticalExaminer, PracticalSignature, PracticalSitting
from app.exams.practical_sheets import sheet_in_force
from app.extensions import db
from app.rules.queries import operation_name, rule_value
from app.tenancy.models import Jurisdiction


def examiner_choices(region_code: str) -> list[User]:
    """Accounts that may examine a sitting of ``region_code``: active regulators whose jurisdiction contains it (they
    reach the sitting in scope, as its organiser does)."""
    users = db.session.scalars(
        sa.select(User)
        .join(Jurisdiction, Jurisdiction.id == User.jurisdiction_id)
        .where(User.role == Role.REGULATOR, User.active.is_(True))
        .order_by(User.display_name, User.username)
    ).all()
    return [u for u in users if region_code.startswith(u.jurisdiction.scope_prefix)]


def checked_examiners(region_code: str, user_ids: Iterable[int], required: int) -> list[int]:
    chosen = list(dict.fromkeys(int(i) for i in user_ids))
    allowed = {u.id for u in examiner_choices(region_code)}
    for user_id in chosen:
        if user_id not in allowed:
            user = db.session.get(User, user_id)
            raise DomainError("practical.examiner_invalid", name=user.label if user else str(user_id))
    if len(chosen) < required:
        raise DomainError("practical.examiners", n=required)
    return chosen


def create_sitting(
    *,
    title: str,
    operation_code: str,
    site_name: str,
    exam_on: date,
    examiner_ids: Iterable[int],
    actor: User,
    site_address: str = "",
) -> PracticalSitting:
    """Schedule a 实操考试场次 of ``operation_code`` at a 实操考点 on ``exam_on``, organised by ``actor``'s authority
    (its jurisdiction), with the score sheet in force that day and its examiners.

    :raises DomainError: ``practical.not_organiser`` (403: only a regulator organises), ``practical.site`` (no
        考点), ``practical.no_sheet`` (no score sheet for the 操作项目 that day), ``practical.examiners`` (fewer
        distinct examiners than ``exam.practical.examiners``), ``practical.examiner_invalid``.
    """
    if not exam_policy.may_organise_practical(actor):
        raise DomainError("practical.not_organiser", http_status=403)
    if not (site_name or "").strip():
        raise DomainError("practical.site", http_status=400)
    sheet = sheet_in_force(operation_code, exam_on)
    if sheet is None:
        raise DomainError(
            "practical.no_sheet", operation=f"{operation_code} {operation_name(operation_code)}", date=exam_on
        )
    region = actor.jurisdiction.code
    required = int(rule_value("exam.practical.examiners", region_code=region, on=exam_on))
    chosen = checked_examiners(region, examiner_ids, required)
    sitting = PracticalSitting(
        title=(title or "").strip()[:120] or f"{operation_name(operation_code)} 实际操作考试",
        operation_code=operation_code,
        sheet_id=sheet.id,
        items=[item.frozen() for item in sheet.items],
        max_score=sheet.max_total,
        pass_mark=rule_value("exam.practical.pass_mark", region_code=region, on=exam_on),
        examiners_required=required,
        site_name=site_name.strip()[:120],
        site_address=(site_address or "").strip()[:200],
        exam_on=exam_on,
        region_code=region,
        created_by_id=actor.id,
    )
    db.session.add(sitting)
    db.session.flush()
    db.session.add_all(PracticalExaminer(sitting_id=sitting.id, user_id=user_id) for user_id in chosen)
    db.session.flush()
    db.session.refresh(sitting)
    return sitting


def signed_count(sitting: PracticalSitting) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(PracticalSignature)
        .join(PracticalAttempt, PracticalAttempt.id == PracticalSignature.attempt_id)
        .where(PracticalAttempt.sitting_id == sitting.id)
    )


def set_examiners(sitting: PracticalSitting, user_ids: Iterable[int]) -> None:
    """Replace the sitting's examiners (an examiner falls ill) — only before anyone has signed.

    :raises DomainError: ``practical.has_signatures``, ``practical.examiners``, ``practical.examiner_invalid``.
    """
    if signed_count(sitting):
        raise DomainError("practical.has_signatures")
    chosen = checked_examiners(sitting.region_code, user_ids, sitting.examiners_required)
    sitting.examiners.clear()
    db.session.flush()
    db.session.add_all(PracticalExaminer(sitting_id=sitting.id, user_id=user_id) for user_id in chosen)
    db.session.flush()
    db.session.refresh(sitting)
