"""The organiser's and the page's actions on an attempt in progress: extra time, focus losses."""

from __future__ import annotations

from datetime import datetime

from app.core.db import conditional_update, utcnow
from app.core.errors import DomainError
from app.exams.attempts.events import attempt_event
from app.exams.models import Attempt, AttemptLog, AttemptState
from app.extensions import db

MAX_EXTENSION_MINUTES = 240


def extend_time(attempt: Attempt, minutes: int, reason: str, actor, now: datetime | None = None) -> Attempt:
    """Give one candidate extra time (a power cut, a broken device), logged with its reason.

    :raises DomainError: ``extend.minutes`` outside 1–240, ``extend.reason`` when empty, ``attempt.closed`` when the
        attempt is no longer in progress.
    """
    now = now or utcnow()
    reason = (reason or "").strip()
    if not 1 <= minutes <= MAX_EXTENSION_MINUTES:
        raise DomainError("extend.minutes", max=MAX_EXTENSION_MINUTES)
    if not reason:
        raise DomainError("extend.reason")
    extra = attempt.extra_minutes + minutes
    deadline = attempt.sitting.deadline_for(attempt.started_at, extra)
    # Conditional on the extra minutes read: two organisers extending at once don't lose one of the extensions.
    changed = db.session.execute(
        conditional_update(Attempt)
        .where(
            Attempt.id == attempt.id,
            Attempt.state == AttemptState.IN_PROGRESS,
            Attempt.extra_minutes == attempt.extra_minutes,
        )
        .values(extra_minutes=extra, deadline=deadline)
    ).rowcount
    db.session.refresh(attempt)
    if changed != 1:
        raise DomainError("attempt.closed")
    db.session.add(
        AttemptLog(
            attempt_id=attempt.id,
            kind="time_extended",
            actor_id=actor.id if actor else None,
            at=now,
            detail={"minutes": minutes, "reason": reason, "deadline": deadline.isoformat(timespec="seconds")},
        )
    )
    db.session.flush()
    attempt_event(
        attempt.sitting,
        attempt.person_id,
        "exam.time_extended",
        {"attempt": attempt.id, "minutes": minutes, "reason": reason},
        actor=actor,
        at=now,
    )
    return attempt


def record_focus_loss(attempt: Attempt, now: datetime | None = None, *, kind: str = "hidden") -> int:
    """Count one focus loss / tab switch of an attempt in progress; returns the new count."""
    now = now or utcnow()
    count = db.session.execute(
        conditional_update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == AttemptState.IN_PROGRESS)
        .values(focus_losses=Attempt.focus_losses + 1)
        .returning(Attempt.focus_losses)
    ).scalar()
    if count is None:  # no longer in progress: nothing to count
        return attempt.focus_losses
    db.session.add(AttemptLog(attempt_id=attempt.id, kind="focus_lost", detail={"event": kind[:20]}, at=now))
    db.session.flush()
    return count
