"""Counters and state changes that a race could break, on a real PostgreSQL (each request in its own thread and
connection, lined up on a barrier as in tests/exams/test_concurrency.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.extensions import db
from app.spotchecks import tickets
from app.spotchecks.models import Finding, SpotCheckTicket, TicketState
from tests.exams.test_concurrency import in_parallel, logged_in_clients
from tests.exams.test_concurrency import pytestmark as postgres_only
from tests.spotchecks.world import World, forget_question_indexes

pytestmark = postgres_only

N = 12


@pytest.fixture
def ticketed(factory):
    forget_question_indexes()
    world = World.build(factory)
    inspection = world.open()
    ticket = inspection.active_tickets[0]
    token, _code = tickets.ticket_secrets(ticket)
    db.session.commit()
    yield ticket, token
    forget_question_indexes()


def test_parallel_wrong_identities_all_count_and_lock_the_ticket(app, ticketed):
    """Issue #11.7: the tries were counted read-modify-write, so parallel wrong tries were lost and the right one
    then claimed the ticket. Every wrong try counts; the ticket locks; the right answer afterwards is refused."""
    ticket, token = ticketed
    person = ticket.person
    phones = [app.test_client() for _ in range(N)]
    wrong = {"name": person.name, "id_number": "110101199003070000"}
    statuses = in_parallel([lambda c=c: c.post(f"/s/{token}", data=wrong).status_code for c in phones])
    assert 302 not in statuses and 500 not in statuses  # nobody claimed the ticket with a wrong identity
    db.session.expire_all()
    stored = db.session.get(SpotCheckTicket, ticket.id)
    assert stored.status is TicketState.LOCKED
    assert stored.failed_identity_attempts >= 5
    right = app.test_client().post(f"/s/{token}", data={"name": person.name, "id_number": person.id_number})
    assert right.status_code == 403 and "已锁定" in right.get_data(as_text=True)


def test_two_closes_at_once_grade_once_and_open_one_set_of_findings(app, factory):
    """Issue #11.13: closing an inspection twice at once was a 500. Now one close wins, the other is a no-op."""
    forget_question_indexes()
    world = World.build(factory)
    inspection = world.open()
    db.session.commit()
    url = f"/spotchecks/{inspection.id}/close"  # plain values only: the threads cannot load attributes
    clients = logged_in_clients(app, world.regulator, 6)
    statuses = in_parallel([lambda c=c: c.post(url).status_code for c in clients])
    assert statuses == [302] * 6
    db.session.expire_all()
    drawn = len(inspection.active_tickets)
    findings = db.session.scalar(
        sa.select(sa.func.count()).select_from(Finding).where(Finding.inspection_id == inspection.id)
    )
    results = db.session.scalar(
        sa.select(sa.func.count()).select_from(ArchiveEvent).where(ArchiveEvent.kind == "spotcheck.result")
    )
    assert findings == drawn and results == drawn  # nobody answered: every drawn person failed, once
