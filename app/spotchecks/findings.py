"""整改问题清单: a finding per failure of a 逢查必考, worked by the enterprise (retraining, a 补考) and closed by the
regulator (销号) — on a passed 补考, or with a stated reason.

Functions flush; the view commits. The 补考 sitting comes from the exam engine (``app.spotchecks.engine``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.archive.services import record_event
from app.core.clock import to_local
from app.core.db import lock_row, utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.spotchecks import engine
from app.spotchecks import messages as _messages  # noqa: F401  (registers the spot-check codes)
from app.spotchecks.models import Finding, FindingState, InvalidFindingTransition, SpotCheckTicket


def open_finding(ticket: SpotCheckTicket, *, actor, now: datetime) -> Finding:
    """The finding of a failed (or missed) 现场测试: its standard 整改要求, due ``SPOTCHECK_FINDING_DAYS`` days on."""
    action = "重新培训并补考" if ticket.answered else "未参加现场测试：组织培训并补考"
    deadline = to_local(now).date() + timedelta(days=current_app.config["SPOTCHECK_FINDING_DAYS"])
    return _open(ticket, action=action, deadline=deadline, actor=actor, now=now)


def record_finding(ticket: SpotCheckTicket, *, actor, action: str, deadline, now: datetime) -> Finding:
    """A finding the inspecting officers recorded themselves for a person of the inspection (pushed by an
    enforcement system): their 整改要求 and deadline instead of the test's. One per ticket, like a failure's.

    :raises DomainError: ``finding.exists`` when the person's ticket already has one.
    """
    if db.session.query(Finding.id).filter_by(ticket_id=ticket.id).first() is not None:
        raise DomainError("finding.exists")
    return _open(ticket, action=action.strip()[:200], deadline=deadline, actor=actor, now=now)


def _open(ticket: SpotCheckTicket, *, action: str, deadline, actor, now: datetime) -> Finding:
    """The finding row and its ``finding.opened`` in the person's 一人一档 (the inspected enterprise's event)."""
    inspection = ticket.inspection
    finding = Finding(
        inspection=inspection,
        enterprise_id=inspection.enterprise_id,
        person_id=ticket.person_id,
        ticket=ticket,
        action=action,
        deadline=deadline,
    )
    db.session.add(finding)
    db.session.flush()
    record_event(
        ticket.person_id,
        "finding.opened",
        {
            "inspection": inspection.id,
            "finding": finding.id,
            "doc_number": inspection.doc_number,
            "enterprise": inspection.enterprise.name,
            "deadline": finding.deadline.isoformat(),
            "action": finding.action,
        },
        actor=actor,
        enterprise_id=inspection.enterprise_id,
        at=now,
    )
    return finding


def _note(finding: Finding, actor, text: str, now: datetime) -> None:
    """Append a line to the notes in SQL (written at the flush), so a note added meanwhile is never dropped."""
    who = actor.label if actor is not None else "system"
    line = f"[{to_local(now):%Y-%m-%d %H:%M}] {who}: {text}".strip()
    finding.notes = sa.case((Finding.notes == "", line), else_=Finding.notes + "\n" + line)


def _move(finding: Finding, state: FindingState) -> None:
    try:
        finding.move_to(state)
    except InvalidFindingTransition:
        raise DomainError("finding.transition") from None


def _require_workable(finding: Finding) -> None:
    if finding.status is FindingState.CLOSED:
        raise DomainError("finding.closed")


def assign_retraining(finding: Finding, *, actor, note: str = "", now: datetime | None = None) -> Finding:
    """The enterprise has put the person on retraining."""
    now = now or utcnow()
    lock_row(finding)  # a 销号 committed while the page was open is seen; nobody moves it until this commits
    _require_workable(finding)
    if finding.status is FindingState.AWAITING_REVIEW:
        raise DomainError("finding.awaiting_review")
    finding.retraining_assigned_at = now
    _move(finding, FindingState.IN_PROGRESS)
    _note(finding, actor, "已安排重新培训" + (f"：{note.strip()}" if note.strip() else ""), now)
    db.session.flush()
    return finding


def schedule_makeup(
    finding: Finding, *, actor, opens_at: datetime, closes_at: datetime, plan: str = "", now: datetime | None = None
) -> Finding:
    """Create the 补考 sitting (kind MAKEUP, same paper rules) for this one person, in the enterprise's name."""
    now = now or utcnow()
    lock_row(finding)
    _require_workable(finding)
    if finding.status is FindingState.AWAITING_REVIEW:
        raise DomainError("finding.awaiting_review")
    if closes_at <= opens_at:
        raise DomainError("makeup.window")
    if finding.makeup_sitting_id is not None and finding.makeup_sitting.closes_at > now:
        raise DomainError("makeup.exists")
    original = finding.inspection.sitting
    sitting = engine.create_makeup_sitting(
        original,
        title=f"补考 · {finding.person.name} · {original.title}"[:120],
        opens_at=opens_at,
        closes_at=closes_at,
        person_id=finding.person_id,
        enterprise=finding.inspection.enterprise,
        actor=actor,
    )
    finding.makeup_sitting_id, finding.makeup_plan = sitting.id, plan.strip()[:200]
    if finding.status is not FindingState.IN_PROGRESS:
        _move(finding, FindingState.IN_PROGRESS)
    _note(finding, actor, f"已安排补考 {to_local(opens_at):%Y-%m-%d %H:%M} – {to_local(closes_at):%Y-%m-%d %H:%M}", now)
    db.session.flush()
    return finding


def makeup_attempt(finding: Finding) -> engine.Attempt | None:
    """The person's attempt at the 补考 sitting, if any."""
    if finding.makeup_sitting_id is None:
        return None
    return engine.find_attempt(finding.makeup_sitting, finding.person_id)


def makeup_passed(finding: Finding) -> bool:
    attempt = makeup_attempt(finding)
    return attempt is not None and attempt.state is engine.AttemptState.GRADED and bool(attempt.passed)


def request_review(finding: Finding, *, actor, note: str = "", now: datetime | None = None) -> Finding:
    """The enterprise reports the item rectified and asks the regulator to close it."""
    now = now or utcnow()
    lock_row(finding)
    _require_workable(finding)
    _move(finding, FindingState.AWAITING_REVIEW)
    _note(finding, actor, "申请复核销号" + (f"：{note.strip()}" if note.strip() else ""), now)
    db.session.flush()
    return finding


def close_finding(finding: Finding, *, actor, override_reason: str = "", now: datetime | None = None) -> Finding:
    """销号: the regulator closes the item, on a passed 补考 or, failing that, with a stated override reason.

    :raises DomainError: ``finding.closed``, ``finding.no_passed_makeup`` without a passed 补考 or a reason.
    """
    now = now or utcnow()
    lock_row(finding)
    _require_workable(finding)
    passed = makeup_passed(finding)
    if not passed and not override_reason.strip():
        raise DomainError("finding.no_passed_makeup")
    _move(finding, FindingState.CLOSED)
    finding.closed_by_id, finding.closed_at = actor.id, now
    finding.close_override = "" if passed else override_reason.strip()[:200]
    attempt = makeup_attempt(finding)
    _note(finding, actor, "销号" + ("（补考合格）" if passed else f"（人工销号：{finding.close_override}）"), now)
    db.session.flush()
    record_event(
        finding.person_id,
        "finding.closed",
        {
            "inspection": finding.inspection_id,
            "finding": finding.id,
            "doc_number": finding.inspection.doc_number,
            "makeup_score": attempt.score if passed else None,
            "override": finding.close_override,
        },
        actor=actor,
        enterprise_id=finding.enterprise_id,
        at=now,
    )
    return finding


def reject_finding(finding: Finding, *, actor, reason: str, now: datetime | None = None) -> Finding:
    """The regulator does not accept the rectification; the enterprise works the item again."""
    now = now or utcnow()
    lock_row(finding)
    _require_workable(finding)
    if not reason.strip():
        raise DomainError("finding.reason_required")
    _move(finding, FindingState.REJECTED)
    finding.reject_reason = reason.strip()[:200]
    _note(finding, actor, f"复核未通过：{finding.reject_reason}", now)
    db.session.flush()
    return finding
