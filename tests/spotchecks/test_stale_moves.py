"""A service called with an object loaded before another request committed a change to the same row (the enterprise
and the regulator on one finding, the inspector and the person's phone on one ticket). Deterministic: the test loads
the object, a second request (its own app context, so its own session) commits, then the stale call is made."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db
from app.spotchecks import findings as rectification
from app.spotchecks import inspections, tickets
from app.spotchecks.models import Finding, FindingState, SpotCheckTicket, TicketReason, TicketState
from tests.interleaving import another_request, as_the_view
from tests.spotchecks.world import World


def loaded(obj):
    """Commit the test's setup and load ``obj`` again, as a request that read it before the other one commits."""
    db.session.commit()
    db.session.refresh(obj)
    return obj


def attempt(call) -> str | None:
    """Call a service as its view does (commit on success); return the refusal's code, if any."""
    refused = as_the_view(call)
    return refused.code if refused is not None else None


def stored(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


@pytest.fixture
def finding(world: World) -> Finding:
    inspection = world.open()
    [first, *_] = inspections.close_inspection(inspection, actor=world.regulator, now=utcnow() + timedelta(minutes=1))
    return loaded(first)


ENTERPRISE_MOVES = {
    "assign_retraining": lambda f, admin: rectification.assign_retraining(f, actor=admin, note="参加安全培训班"),
    "schedule_makeup": lambda f, admin: rectification.schedule_makeup(
        f, actor=admin, opens_at=utcnow(), closes_at=utcnow() + timedelta(days=1)
    ),
    "request_review": lambda f, admin: rectification.request_review(f, actor=admin, note="已整改"),
}


@pytest.mark.parametrize("move", ENTERPRISE_MOVES)
def test_enterprise_move_on_a_finding_closed_meanwhile_is_refused(app, world, finding, move):
    """The regulator's 销号 commits after the enterprise's page loaded the finding: the enterprise's click must not
    reopen it, nor drop the 销号 note."""
    regulator_id = world.regulator.id
    with another_request(app):
        rectification.close_finding(
            db.session.get(Finding, finding.id), actor=db.session.get(User, regulator_id), override_reason="已调离岗位"
        )

    refused = attempt(lambda: ENTERPRISE_MOVES[move](finding, world.enterprise_admin))

    after = stored(Finding, finding.id)
    assert after.status is FindingState.CLOSED
    assert "销号（人工销号：已调离岗位）" in after.notes
    assert refused == "finding.closed"


def test_note_added_meanwhile_is_kept(app, world, finding):
    """The enterprise's retraining note commits while another of its pages (loaded before) asks for review: both
    notes stay in the finding's history."""
    admin_id = world.enterprise_admin.id
    with another_request(app):
        rectification.assign_retraining(
            db.session.get(Finding, finding.id), actor=db.session.get(User, admin_id), note="参加安全培训班"
        )

    assert attempt(lambda: rectification.request_review(finding, actor=world.enterprise_admin, note="已整改")) is None

    after = stored(Finding, finding.id)
    assert after.status is FindingState.AWAITING_REVIEW
    assert "已安排重新培训：参加安全培训班" in after.notes
    assert "申请复核销号：已整改" in after.notes


def live_tickets(inspection_id: int, person_id: int) -> list[SpotCheckTicket]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(SpotCheckTicket).where(
                SpotCheckTicket.inspection_id == inspection_id,
                SpotCheckTicket.person_id == person_id,
                SpotCheckTicket.status.in_([TicketState.ISSUED, TicketState.CLAIMED]),
            )
        )
    )


def test_swap_of_a_ticket_claimed_meanwhile_is_refused(app, world):
    """The inspector swaps a person thought absent while the person's phone claims the ticket: the person keeps the
    ticket and can answer; nobody is drawn in their place."""
    inspection = world.open()
    ticket = loaded(inspection.active_tickets[0])
    person = ticket.person
    with another_request(app):
        tickets.confirm_identity(
            db.session.get(SpotCheckTicket, ticket.id),
            name=person.name,
            id_number=person.id_number,
            device="phone-A",
            now=utcnow(),
        )

    refused = attempt(lambda: inspections.swap_ticket(ticket, actor=world.regulator, reason="现场缺席"))

    after = stored(SpotCheckTicket, ticket.id)
    assert after.status is TicketState.CLAIMED and tickets.holds_ticket(after, "phone-A")
    assert not db.session.scalars(sa.select(SpotCheckTicket).where(SpotCheckTicket.replaces_id == ticket.id)).all(), (
        "someone was drawn in place of a person who is answering"
    )
    assert refused == "swap.started"


def test_second_reissue_at_once_is_refused_and_one_ticket_stays_live(app, world):
    """A double click on 重新发放: the second click (its ticket loaded before the first voided it) is refused, so the
    person has one live ticket, not an unclaimed second one later graded as failed."""
    inspection = world.open()
    ticket = loaded(inspection.active_tickets[0])
    regulator_id = world.regulator.id
    with another_request(app):
        inspections.reissue_ticket(
            db.session.get(SpotCheckTicket, ticket.id), actor=db.session.get(User, regulator_id), reason="手机没电"
        )

    refused = attempt(lambda: inspections.reissue_ticket(ticket, actor=world.regulator, reason="手机没电"))

    live = live_tickets(inspection.id, ticket.person_id)
    assert len(live) == 1 and live[0].reason is TicketReason.SAMPLED and live[0].replaces_id == ticket.id
    assert stored(SpotCheckTicket, ticket.id).status is TicketState.VOID
    assert refused == "reissue.not_possible"
