"""Issuing for a whole sitting: every eligible graded candidate (or the chosen ones), refusals reported, not
raised."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.auth.models import User
from app.certificates.issuing.eligibility import refusal_for
from app.certificates.issuing.issuance import issue
from app.certificates.issuing.outcomes import BulkResult, Outcome
from app.core.clock import local_today
from app.core.errors import DomainError
from app.exams.models import Attempt, AttemptState, Sitting
from app.extensions import db


def passed_attempts(sitting: Sitting) -> list[Attempt]:
    return list(
        db.session.scalars(
            sa.select(Attempt)
            .where(Attempt.sitting_id == sitting.id, Attempt.state == AttemptState.GRADED)
            .order_by(Attempt.id)
        )
    )


def preview(sitting: Sitting) -> list[Outcome]:
    """Every graded candidate of ``sitting`` with the reason they would be refused (``refusal`` None: eligible)."""
    today = local_today()
    return [Outcome(attempt, None, refusal_for(attempt, today)[1]) for attempt in passed_attempts(sitting)]


def issue_bulk(
    sitting: Sitting, *, actor: User, attempt_ids: list[int] | None = None, today: date | None = None
) -> BulkResult[Outcome]:
    """Issue to every eligible graded candidate of ``sitting`` (or the chosen ones); refusals are reported, not
    raised, and one refusal never stops the others (each issue runs in its own savepoint)."""
    result: BulkResult[Outcome] = BulkResult()
    for attempt in passed_attempts(sitting):
        if attempt_ids is not None and attempt.id not in attempt_ids:
            continue
        try:
            result.outcomes.append(Outcome(attempt, issue(attempt, actor=actor, today=today)))
        except DomainError as exc:
            result.outcomes.append(Outcome(attempt, None, exc))
    return result
