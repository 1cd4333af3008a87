"""准入/退出: a person who fails 逢查必考 ``exit.spotcheck_failures`` (2) times within ``exit.window_months`` (12)
gets a 退出 recommendation to the enterprise of the failure that completed the count — 调离岗位, or retrain and
retest — which the enterprise answers (the action it takes) and a regulator of the region closes once done.

:func:`recommend` runs every few minutes (beat) over the failures of the window: one recommendation per failure that
completes the count (``second_ticket_id`` is unique), none while the person has one still open. Each step is
written into the person's 一人一档 (``exit.recommended``, ``exit.acted``, ``exit.closed``, the enterprise's own
events). Functions flush; the task or view commits.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa

from app.archive.services import record_event
from app.core.db import conditional_update, insert_on_conflict, utcnow
from app.core.errors import DomainError
from app.dashboards.models import ExitAction, ExitRecommendation, ExitState
from app.dashboards.window import add_months
from app.extensions import db
from app.rules.queries import cached_book
from app.spotchecks.models import Inspection, SpotCheckTicket, TicketState


def _failures(since: date) -> list[tuple[int, int, date, int]]:
    """(ticket, person, inspected on, enterprise) of every failed graded ticket since ``since``, in order."""
    return list(
        db.session.execute(
            sa.select(SpotCheckTicket.id, SpotCheckTicket.person_id, Inspection.inspected_on, Inspection.enterprise_id)
            .join(Inspection, Inspection.id == SpotCheckTicket.inspection_id)
            .where(
                SpotCheckTicket.status == TicketState.DONE,
                SpotCheckTicket.passed.is_(False),
                Inspection.inspected_on >= since,
            )
            .order_by(SpotCheckTicket.person_id, Inspection.inspected_on, SpotCheckTicket.id)
        ).all()
    )


def recommend(today: date) -> list[ExitRecommendation]:
    """Write the recommendations due on ``today``; returns the new ones."""
    book = cached_book()
    needed = book.int("exit.spotcheck_failures", on=today)
    months = book.int("exit.window_months", on=today)
    by_person: dict[int, list] = defaultdict(list)
    for row in _failures(add_months(today, -(months + 1))):
        by_person[row[1]].append(row)
    open_for = set(
        db.session.scalars(sa.select(ExitRecommendation.person_id).where(ExitRecommendation.state != ExitState.CLOSED))
    )
    done = set(db.session.scalars(sa.select(ExitRecommendation.second_ticket_id)))
    created = []
    for person_id, rows in by_person.items():
        if person_id in open_for:
            continue
        for index in range(needed - 1, len(rows)):
            ticket_id, _person, on, enterprise_id = rows[index]
            window = [r for r in rows[: index + 1] if r[2] > _months_before(on, months)]
            if len(window) < needed or ticket_id in done:
                continue
            stmt = (
                insert_on_conflict(db.session, ExitRecommendation)
                .values(
                    person_id=person_id,
                    enterprise_id=enterprise_id,
                    first_ticket_id=window[-needed][0],
                    second_ticket_id=ticket_id,
                    failed_on=on,
                    created_at=utcnow(),
                    state=ExitState.OPEN,
                    action_note="",
                    close_note="",
                )
                .on_conflict_do_nothing(index_elements=["second_ticket_id"])
                .returning(ExitRecommendation.id)
            )
            new_id = db.session.execute(stmt).scalar()
            if new_id is None:
                break
            item = db.session.get(ExitRecommendation, new_id)
            record_event(
                person_id,
                "exit.recommended",
                {"exit": new_id, "failures": needed, "months": months, "failed_on": on.isoformat()},
                actor=None,
                enterprise_id=enterprise_id,
            )
            created.append(item)
            break  # one open recommendation per person
    db.session.flush()
    return created


def _months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (clamped to the month's end): failures after it are within the window."""
    first = add_months(day, -months)
    last_day = (add_months(first, 1) - first).days
    return first.replace(day=min(day.day, last_day))


def act(item: ExitRecommendation, action: ExitAction, note: str, *, actor) -> None:
    """The enterprise answers: the action it takes (调离岗位, or retraining and a retest), with a note.

    :raises DomainError: ``exit.note_required``; ``exit.changed`` (answered or closed meanwhile).
    """
    if not note.strip():
        raise DomainError("exit.note_required")
    moved = db.session.execute(
        conditional_update(ExitRecommendation)
        .where(ExitRecommendation.id == item.id, ExitRecommendation.state == ExitState.OPEN)
        .values(
            state=ExitState.ACTING,
            action=action,
            action_note=note.strip()[:300],
            acted_by_id=actor.id,
            acted_at=utcnow(),
        )
    )
    if moved.rowcount != 1:
        raise DomainError("exit.changed")
    db.session.refresh(item)
    record_event(
        item.person_id,
        "exit.acted",
        {"exit": item.id, "action": action.value, "note": item.action_note},
        actor=actor,
        enterprise_id=item.enterprise_id,
    )
    db.session.flush()


def close(item: ExitRecommendation, note: str, *, actor) -> None:
    """A regulator closes it (the person was moved, or retrained and passed), with a note.

    :raises DomainError: ``exit.note_required``; ``exit.changed`` (closed meanwhile).
    """
    if not note.strip():
        raise DomainError("exit.note_required")
    moved = db.session.execute(
        conditional_update(ExitRecommendation)
        .where(ExitRecommendation.id == item.id, ExitRecommendation.state != ExitState.CLOSED)
        .values(state=ExitState.CLOSED, close_note=note.strip()[:300], closed_by_id=actor.id, closed_at=utcnow())
    )
    if moved.rowcount != 1:
        raise DomainError("exit.changed")
    db.session.refresh(item)
    record_event(
        item.person_id,
        "exit.closed",
        {"exit": item.id, "note": item.close_note},
        actor=actor,
        enterprise_id=item.enterprise_id,
    )
    db.session.flush()
