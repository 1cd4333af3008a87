"""Opening an inspection, swaps and additions, tickets, closing and the finding lifecycle (service level)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.core.clock import local_today
from app.core.db import utcnow
from app.core.errors import DomainError
from app.exams.models import AttemptState, Candidate
from app.extensions import db
from app.spotchecks import findings as rectification
from app.spotchecks import inspections, tickets
from app.spotchecks.models import FindingState, InspectionState, TicketReason, TicketState
from tests.spotchecks.world import World, answer_all, claim


def events(person, kind):
    return db.session.scalars(
        sa.select(ArchiveEvent).where(ArchiveEvent.person_id == person.id, ArchiveEvent.kind == kind)
    ).all()


def test_open_draws_by_rule_and_enrols_candidates(world):
    inspection = world.open()
    drawn = inspection.active_tickets
    posts = sorted(t.post for t in drawn)
    assert posts.count("principal") == 1 and posts.count("safety_manager") == 2
    assert posts.count("special_operator") == 2 and posts.count("worker") == 3
    assert inspection.sitting.kind.value == "spotcheck"
    assert inspection.sitting.closes_at - inspection.sitting.opens_at == timedelta(minutes=60)
    enrolled = set(
        db.session.scalars(sa.select(Candidate.person_id).where(Candidate.sitting_id == inspection.sitting_id))
    )
    assert enrolled == {t.person_id for t in drawn}
    assert inspections.verify_draw(inspection)
    principal = world.people["负责甲"]
    [event] = events(principal, "spotcheck.sampled")
    assert event.enterprise_id == world.enterprise.id


def test_same_seed_reproduces_the_draw(world):
    first = {t.person_id for t in world.open(seed=99).active_tickets}
    second = {t.person_id for t in world.open(seed=99).active_tickets}
    assert first == second


def test_paper_is_tailored_to_the_pass_mark_and_time(world):
    inspection = world.open(time_limit_minutes=5, pass_mark=90)
    assert inspection.sitting.spec["pass_mark"] == 90
    assert inspection.sitting.spec["time_limit_minutes"] == 5
    assert inspection.sitting.duration_minutes == 5


def test_shortages_are_recorded(factory):
    world = World.build(factory, managers=1, operators=0)
    inspection = world.open()
    assert {(s["post"], s["wanted"], s["available"]) for s in inspection.shortages} == {
        ("safety_manager", 2, 1),
        ("special_operator", 2, 0),
    }


def test_enterprise_without_principal_opens_with_a_shortage(factory):
    world = World.build(factory, principals=0)
    inspection = world.open()
    assert {"post": "principal", "wanted": 1, "available": 0} in inspection.shortages
    assert all(t.post != "principal" for t in inspection.active_tickets)


def test_other_jurisdiction_cannot_open(world):
    with pytest.raises(DomainError) as exc:
        inspections.open_inspection(world.data(), world.enterprise, actor=world.other_regulator, now=utcnow())
    assert exc.value.code == "inspection.out_of_jurisdiction"


def test_empty_roster_is_refused(world, factory):
    empty = factory.enterprise(name="空壳公司", region="320102")
    with pytest.raises(DomainError) as exc:
        inspections.open_inspection(world.data(), empty, actor=world.regulator, now=utcnow())
    assert exc.value.code == "roster.empty"


def test_swap_absent_person_draws_same_post_and_records_reason(world):
    inspection = world.open()
    absent = next(t for t in inspection.active_tickets if t.post == "worker")
    new = inspections.swap_ticket(absent, actor=world.regulator, reason="病假缺席")
    assert absent.status is TicketState.VOID and absent.swap_reason == "病假缺席"
    assert new.post == "worker" and new.reason is TicketReason.SWAP_IN and new.replaces_id == absent.id
    assert new.person_id not in {t.person_id for t in inspection.tickets if t is not new}
    with pytest.raises(DomainError, match="swap.reason_required"):
        inspections.swap_ticket(new, actor=world.regulator, reason=" ")


def test_swap_after_start_is_refused(world):
    inspection = world.open()
    ticket = inspection.active_tickets[0]
    claim(ticket)
    with pytest.raises(DomainError, match="swap.started"):
        inspections.swap_ticket(ticket, actor=world.regulator, reason="缺席")


def test_add_person_present_on_site(world):
    inspection = world.open()
    sampled = {t.person_id for t in inspection.active_tickets}
    extra = next(p for p in world.people.values() if p.id not in sampled)
    ticket = inspections.add_person(inspection, extra.id, actor=world.regulator)
    assert ticket.reason is TicketReason.ADDED
    with pytest.raises(DomainError, match="add.already_sampled"):
        inspections.add_person(inspection, extra.id, actor=world.regulator)
    outsider = world.factory.employ(world.other_enterprise, name="别家员工").person
    with pytest.raises(DomainError, match="add.not_on_roster"):
        inspections.add_person(inspection, outsider.id, actor=world.regulator)


# ---------------------------------------------------------------- tickets


def test_token_and_code_are_stored_hashed(world):
    inspection = world.open()
    ticket = inspection.active_tickets[0]
    token, code = tickets.ticket_secrets(ticket)
    assert token not in (ticket.token_hash, ticket.code_hash) and len(code) == 6
    assert set(code) <= set(tickets.CODE_ALPHABET)
    assert tickets.find_ticket(token) is ticket
    assert tickets.find_ticket_by_code(code.lower(), ip="10.0.0.1") is ticket
    assert tickets.find_ticket(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_wrong_identity_five_times_locks_and_records_nothing(world):
    inspection = world.open()
    ticket = inspection.active_tickets[0]
    person = ticket.person
    before = db.session.scalar(
        sa.select(sa.func.count()).select_from(ArchiveEvent).where(ArchiveEvent.person_id == person.id)
    )
    now = utcnow()
    for remaining in (4, 3, 2, 1):
        with pytest.raises(DomainError) as exc:
            tickets.confirm_identity(ticket, name=person.name, id_number="110101199003070000", device="d", now=now)
        assert exc.value.code == "identity.wrong" and exc.value.params["remaining"] == remaining
    with pytest.raises(DomainError, match="identity.locked"):
        tickets.confirm_identity(ticket, name="冒名", id_number=person.id_number, device="d", now=now)
    assert ticket.status is TicketState.LOCKED
    with pytest.raises(DomainError, match="ticket.locked"):
        tickets.confirm_identity(ticket, name=person.name, id_number=person.id_number, device="d", now=now)
    after = db.session.scalar(
        sa.select(sa.func.count()).select_from(ArchiveEvent).where(ArchiveEvent.person_id == person.id)
    )
    assert after == before and ticket.attempt_id is None
    # the inspector reissues: old token void, new one works
    old_token, _ = tickets.ticket_secrets(ticket)
    new = inspections.reissue_ticket(ticket, actor=world.regulator, reason="身份核验锁定")
    assert tickets.find_ticket(old_token).status is TicketState.VOID
    claim(new)
    assert new.status is TicketState.CLAIMED


def test_second_device_is_refused_then_reissue_resumes_same_attempt(world):
    inspection = world.open()
    ticket = inspection.active_tickets[0]
    attempt = claim(ticket, device="phone-A")
    person = ticket.person
    with pytest.raises(DomainError, match="ticket.other_device"):
        tickets.confirm_identity(ticket, name=person.name, id_number=person.id_number, device="phone-B", now=utcnow())
    assert tickets.holds_ticket(ticket, "phone-A") and not tickets.holds_ticket(ticket, "phone-B")
    new = inspections.reissue_ticket(ticket, actor=world.regulator, reason="手机没电")
    again = claim(new, device="phone-B")
    assert again.id == attempt.id


def test_expired_ticket(world):
    now = utcnow()
    inspection = world.open(now=now, window_minutes=30)
    ticket = inspection.active_tickets[0]
    later = now + timedelta(minutes=31)
    assert tickets.ticket_problem(ticket, later) == "ticket.expired"
    person = ticket.person
    with pytest.raises(DomainError, match="ticket.expired"):
        tickets.confirm_identity(ticket, name=person.name, id_number=person.id_number, device="d", now=later)


def test_submit_records_result_once(world):
    inspection = world.open()
    ticket = inspection.active_tickets[0]
    claim(ticket)
    answer_all(ticket, correct=9)
    tickets.submit_ticket(ticket, now=utcnow() + timedelta(seconds=5))
    tickets.submit_ticket(ticket, now=utcnow() + timedelta(seconds=6))
    assert ticket.status is TicketState.DONE and ticket.score == 90 and ticket.passed
    [event] = events(ticket.person, "spotcheck.result")
    assert event.enterprise_id == world.enterprise.id
    assert tickets.ticket_problem(ticket, utcnow()) == "ticket.done"


# ---------------------------------------------------------------- closing and findings


def _close_with(world, scores: dict):
    """Open, let the first tickets answer with ``scores`` (name → correct answers), close."""
    inspection = world.open()
    for ticket in inspection.active_tickets:
        if ticket.person.name in scores:
            claim(ticket)
            answer_all(ticket, correct=scores[ticket.person.name])
    findings = inspections.close_inspection(inspection, actor=world.regulator, now=utcnow() + timedelta(minutes=1))
    return inspection, findings


def test_close_grades_as_they_stand_and_opens_findings(world):
    inspection, findings = _close_with(world, {"负责甲": 6})
    assert inspection.status is InspectionState.CLOSED
    principal = next(t for t in inspection.active_tickets if t.post == "principal")
    assert principal.answered and principal.score == 60 and principal.passed is False
    assert principal.attempt.state is AttemptState.GRADED
    others = [t for t in inspection.active_tickets if t.post != "principal"]
    assert all(not t.answered and t.score == 0 and t.passed is False for t in others)
    assert len(findings) == len(inspection.active_tickets)
    finding = next(f for f in findings if f.person_id == principal.person_id)
    assert finding.status is FindingState.OPEN and finding.action == "重新培训并补考"
    assert (finding.deadline - local_today()).days == 15  # 限期 counts from the local (Beijing) date
    assert len(events(principal.person, "finding.opened")) == 1
    again = inspections.close_inspection(inspection, actor=world.regulator)  # a second close changes nothing
    assert {f.id for f in again} == {f.id for f in findings}
    assert len(events(principal.person, "finding.opened")) == 1
    assert len(events(principal.person, "spotcheck.result")) == 1


def test_passing_people_get_no_finding(world):
    inspection = world.open(rule={"principal": 1, "safety_manager": 0, "special_operator": 0, "worker": 0})
    [ticket] = inspection.active_tickets
    claim(ticket)
    answer_all(ticket, correct=8)
    assert inspections.close_inspection(inspection, actor=world.regulator) == []
    assert ticket.passed and ticket.score == 80


def test_close_expired_task_closes_past_window(world):
    from app.spotchecks.tasks import close_expired

    past = utcnow() - timedelta(hours=2)
    inspection = world.open(now=past, window_minutes=30)
    open_one = world.open()
    db.session.commit()  # the task runs in its own app context and session, like a worker
    assert close_expired() == 1
    db.session.expire_all()
    assert inspection.status is InspectionState.CLOSED and open_one.status is InspectionState.OPEN
    assert all(t.graded_at is not None for t in inspection.active_tickets)


def test_finding_lifecycle_with_makeup(world):
    inspection, findings = _close_with(world, {"负责甲": 5})
    finding = next(f for f in findings if f.person.name == "负责甲")
    admin = world.enterprise_admin
    rectification.assign_retraining(finding, actor=admin, note="参加3月安全培训班")
    assert finding.status is FindingState.IN_PROGRESS and finding.retraining_assigned_at
    now = utcnow()
    rectification.schedule_makeup(finding, actor=admin, opens_at=now, closes_at=now + timedelta(days=1))
    makeup = finding.makeup_sitting
    assert makeup.kind.value == "makeup" and makeup.makeup_of_id == inspection.sitting_id
    assert makeup.enterprise_id == world.enterprise.id
    # closing without a passed 补考 needs a reason
    with pytest.raises(DomainError, match="finding.no_passed_makeup"):
        rectification.close_finding(finding, actor=world.regulator)
    rectification.request_review(finding, actor=admin)
    rectification.reject_finding(finding, actor=world.regulator, reason="尚未补考")
    assert finding.status is FindingState.REJECTED and finding.reject_reason == "尚未补考"
    # the person sits the 补考 and passes
    from app.exams.attempts import autosave, grading, starting

    attempt = starting.start_or_resume(makeup, finding.person_id, now=now)
    for pos, item in enumerate(attempt.paper["items"]):
        order = item["option_order"] or list(range(len(item["question"]["options"])))
        autosave.save_answer(attempt, pos, [order.index(item["question"]["answer"][0])], 1, now)
    grading.submit(attempt, now)
    assert rectification.makeup_passed(finding)
    rectification.request_review(finding, actor=admin)
    rectification.close_finding(finding, actor=world.regulator)
    assert finding.status is FindingState.CLOSED and finding.close_override == ""
    assert len(events(finding.person, "finding.closed")) == 1
    with pytest.raises(DomainError, match="finding.closed"):
        rectification.assign_retraining(finding, actor=admin)


def test_manual_close_with_reason_and_overdue(world):
    _inspection, findings = _close_with(world, {})
    finding = findings[0]
    assert not finding.is_overdue(local_today())
    assert finding.is_overdue(local_today() + timedelta(days=16))
    rectification.close_finding(finding, actor=world.regulator, override_reason="已调离岗位")
    assert finding.status is FindingState.CLOSED and finding.close_override == "已调离岗位"
    assert not finding.is_overdue(local_today() + timedelta(days=16))
