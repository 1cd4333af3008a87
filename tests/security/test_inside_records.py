"""What each role may see inside a record (app/auth/policy/), and the 逢查必考 and exam holes of issue #11.

Each test here failed on the code before the fix it names.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.auth.models import Role
from app.bank.models import Bank, BankQuestion
from app.bank.queries import bump_revision
from app.core.db import utcnow
from app.core.errors import DomainError
from app.exams.attempts import autosave, grading, starting, supervision
from app.exams.models import Answer, Attempt, AttemptState, ExamKind
from app.extensions import db
from app.people.models import Employment, Post
from app.spotchecks import inspections, tickets
from app.spotchecks.models import TicketState
from tests.bank.test_templates import template_form
from tests.exams.conftest import make_sitting, make_template
from tests.spotchecks.world import World, claim, forget_question_indexes

MARKERS = re.compile(r"EXPLAIN-|FILLANS-")


@pytest.fixture(autouse=True)
def _fresh_question_indexes():
    forget_question_indexes()
    yield
    forget_question_indexes()


# ---------------------------------------------------------------- 1. the answer key


def _get_pages(app, client) -> dict[str, str]:
    """Every GET page without URL arguments, plus the given object pages, as the logged-in client sees them."""
    pages = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint == "static" or rule.rule.startswith("/s"):
            continue
        response = client.get(rule.rule)
        if response.status_code == 200 and response.mimetype == "text/html":
            pages[rule.rule] = response.get_data(as_text=True)
    return pages


def test_the_answer_key_reaches_only_who_manages_the_bank(app, client, login, exam_world, factory):
    """The national bank's explanations and 填空 answers (markers) appear on no page for a user who only uses the bank
    — the organising enterprise, a regulator, an institution, the candidate — and do for the platform admin."""
    bank_id = exam_world.template.bank_ids[0]
    attempt = starting.start_or_resume(exam_world.sitting, exam_world.person.id)
    grading.submit(attempt)
    institution = factory.institution("320102")
    users = {
        "enterprise (organiser)": exam_world.organiser,
        "regulator": factory.regulator("320100"),
        "institution": factory.user(Role.INSTITUTION, institution_id=institution.id),
        "worker (candidate)": exam_world.worker,
    }
    admin = factory.user(Role.ADMIN)
    factory.commit()
    object_pages = [
        f"/bank/{bank_id}",
        f"/bank/{bank_id}?type=fill",
        f"/exams/sittings/{exam_world.sitting.id}",
        f"/exams/attempts/{attempt.id}/result",
        f"/exams/attempts/{attempt.id}/detail",
        f"/people/{exam_world.person.id}/timeline",
    ]

    login(admin)
    assert MARKERS.search(client.get(f"/bank/{bank_id}?type=fill").get_data(as_text=True))  # the markers are real

    swept = 0
    for label, user in users.items():
        login(user)
        pages = _get_pages(app, client)
        for url in object_pages:
            response = client.get(url)
            if response.status_code == 200:
                pages[url] = response.get_data(as_text=True)
        swept += len(pages)
        leaks = [url for url, html in pages.items() if MARKERS.search(html)]
        assert leaks == [], f"{label} sees the answer key on {leaks}"
    assert swept >= 40


def test_the_sample_paper_preview_shows_no_answers_over_a_bank_one_only_uses(client, login, exam_world):
    """Issue #11.1: an enterprise previewing a paper over the national bank (100 questions per type) got every answer."""
    login(exam_world.organiser)
    bank_id = exam_world.template.bank_ids[0]
    sections = [
        {"title": "判断题", "type": "true_false", "count": "26", "points": "1"},
        {"title": "填空题", "type": "fill", "count": "4", "points": "1"},
    ]
    form = template_form([bank_id], sections) | {"pass_mark": "1"}
    html = client.post("/bank/templates/new", data=form | {"preview": "1"}).get_data(as_text=True)
    assert 'data-testid="paper-summary"' in html  # the preview was drawn
    assert 'data-testid="paper-answer"' not in html and not MARKERS.search(html)


# ---------------------------------------------------------------- 3–6. 逢查必考


@pytest.fixture
def spot(factory):
    return World.build(factory)


def _worker_login(factory, person):
    user = factory.worker(person)
    factory.commit()
    return user


def test_a_sampled_worker_cannot_take_the_spot_check_from_home(client, login, spot, factory):
    """Issue #11.3: the 逢查必考 sitting was reachable through /exams/sittings/<id>/start, skipping the ticket."""
    inspection = spot.open()
    ticket = inspection.active_tickets[0]
    login(_worker_login(factory, ticket.person))
    assert client.get("/exams/mine").status_code == 200
    assert inspection.sitting.title not in client.get("/exams/mine").get_data(as_text=True)
    assert client.post(f"/exams/sittings/{inspection.sitting_id}/start").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 0
    # an attempt started through the ticket is not answerable through the worker's own exam API either
    attempt = claim(ticket)
    db.session.commit()
    response = client.post(f"/exams/attempts/{attempt.id}/answer", json={"position": 0, "response": [0], "seq": 1})
    assert response.status_code == 404
    # not either once the server knows the paper's shapes (as after a save through the ticket)
    autosave.item_shapes(attempt)
    response = client.post(f"/exams/attempts/{attempt.id}/answer", json={"position": 0, "response": [0], "seq": 2})
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


def test_a_reissued_link_can_no_longer_save_or_hand_in(app, spot):
    """Issue #11.4: after a reissue the voided link still saved and submitted, and closing wrote a second result."""
    inspection = spot.open()
    ticket = inspection.active_tickets[0]
    token, _code = tickets.ticket_secrets(ticket)
    db.session.commit()
    phone = app.test_client()
    person = ticket.person
    assert phone.post(f"/s/{token}", data={"name": person.name, "id_number": person.id_number}).status_code == 302
    assert phone.post(f"/s/{token}/api/answer", json={"position": 0, "response": [0], "seq": 1}).status_code == 200
    inspections.reissue_ticket(ticket, actor=spot.regulator, reason="手机没电")
    db.session.commit()

    answer = phone.post(f"/s/{token}/api/answer", json={"position": 1, "response": [0], "seq": 2})
    submit = phone.post(f"/s/{token}/api/submit", json={})
    assert (answer.status_code, submit.status_code) == (404, 404)
    assert answer.json["error"]["code"] == "ticket.unknown"
    db.session.expire_all()
    assert db.session.get(Attempt, ticket.attempt_id).state is AttemptState.IN_PROGRESS
    inspections.close_inspection(inspection, actor=spot.regulator, now=utcnow() + timedelta(minutes=1))
    results = (
        [e for e in person.archive_events if e.kind == "spotcheck.result"]
        if hasattr(person, "archive_events")
        else None
    )

    results = db.session.scalars(
        sa.select(ArchiveEvent).where(ArchiveEvent.person_id == person.id, ArchiveEvent.kind == "spotcheck.result")
    ).all()
    assert len(results) == 1


def test_the_inspected_enterprise_sees_the_seed_only_after_close(client, login, spot):
    """Issue #11.5: the enterprise saw the draw seed while the inspection was open."""
    inspection = spot.open(seed=987654321)
    db.session.commit()
    login(spot.enterprise_admin)
    page = client.get(f"/spotchecks/{inspection.id}").get_data(as_text=True)
    assert "987654321" not in page and "随机种子检查结束后公布" in page
    login(spot.regulator)
    assert "987654321" in client.get(f"/spotchecks/{inspection.id}").get_data(as_text=True)
    inspections.close_inspection(inspection, actor=spot.regulator)
    db.session.commit()
    login(spot.enterprise_admin)
    assert "987654321" in client.get(f"/spotchecks/{inspection.id}").get_data(as_text=True)


def test_a_swap_draws_from_the_roster_as_it_stood_at_the_opening(spot, factory):
    """Issue #11.5: swaps drew from the current roster, which the inspected enterprise can edit mid-inspection."""
    inspection = spot.open(rule={"principal": 1, "safety_manager": 0, "special_operator": 0, "worker": 1})
    absent = next(t for t in inspection.active_tickets if t.post == Post.WORKER.value)
    snapshot_workers = {pid for pid, post, _ in inspection.roster_snapshot if post == Post.WORKER.value}
    # the enterprise ends everyone else's employment and adds a new worker of its choosing
    for employment in db.session.scalars(sa.select(Employment).where(Employment.post == Post.WORKER)):
        if employment.person_id != absent.person_id:
            employment.end_date = utcnow().date()
    planted = factory.employ(spot.enterprise, name="内定人员", post=Post.WORKER).person
    new = inspections.swap_ticket(absent, actor=spot.regulator, reason="不在现场")
    assert new is not None and new.person_id in snapshot_workers and new.person_id != planted.id


def test_the_last_four_digits_are_not_an_identity(spot):
    """Issue #11.6: name + the last 4 ID digits (what every masked ID shows) claimed the ticket."""
    inspection = spot.open()
    ticket = inspection.active_tickets[0]
    person = ticket.person
    with pytest.raises(DomainError, match="identity.wrong"):
        tickets.confirm_identity(ticket, name=person.name, id_number=person.id_number[-4:], device="d", now=utcnow())
    assert ticket.status is TicketState.ISSUED and ticket.failed_identity_attempts == 1


# ---------------------------------------------------------------- 13. exam rule gaps


def test_the_expiry_job_does_not_close_an_attempt_whose_time_was_just_extended(exam_world):
    """Issue #11.13: the job read an overdue attempt, the organiser extended it, the job still closed it."""
    now = utcnow()
    attempt = starting.start_or_resume(exam_world.sitting, exam_world.person.id, now=now - timedelta(hours=2))
    job_now = attempt.deadline + timedelta(minutes=5)
    stale = db.session.scalars(sa.select(Attempt).where(Attempt.deadline < job_now)).one()  # what the job read
    supervision.extend_time(attempt, 30, "停电", exam_world.organiser, now=job_now)
    assert grading.expire(stale, job_now) is False
    assert attempt.state is AttemptState.IN_PROGRESS


def test_retired_questions_give_a_clear_refusal_not_a_500(client, login, exam_world):
    """Issue #11.13: retiring questions after a sitting was created made every start a 500."""
    bank_id = exam_world.template.bank_ids[0]
    for question in db.session.scalars(sa.select(BankQuestion).where(BankQuestion.bank_id == bank_id)):
        question.retired = True

    bump_revision(db.session.get(Bank, bank_id))
    db.session.commit()
    login(exam_world.worker)
    response = client.post(f"/exams/sittings/{exam_world.sitting.id}/start", data={})
    assert response.status_code == 200 and "题库题量不足" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 0


def test_the_worker_cannot_create_a_sitting_kind_beyond_the_role(exam_world):
    template = make_template()
    with pytest.raises(DomainError, match="sitting.kind_not_allowed"):
        make_sitting(template, exam_world.organiser, exam_world.persons, kind=ExamKind.REVIEW)


def test_a_pass_mark_above_the_total_is_refused_where_the_template_is_made(client, login, exam_world, factory):
    """Issue #11.13: ``PaperSpec`` accepted a pass mark above the total points, so nobody could ever pass."""
    from question_bank import PaperSpec, PassMarkUnreachable, QuestionType, Section

    with pytest.raises(PassMarkUnreachable):
        PaperSpec(
            title="x", sections=(Section("判断题", QuestionType.TRUE_FALSE, 10, 1.0),), pass_mark=80
        ).check_passable()
    admin = factory.user(Role.ADMIN)
    factory.commit()
    login(admin)
    sections = [{"title": "判断题", "type": "true_false", "count": "10", "points": "1"}]
    form = template_form(exam_world.template.bank_ids, sections) | {"pass_mark": "80", "save": "1"}
    html = client.post("/bank/templates/new", data=form).get_data(as_text=True)
    assert "及格分 80 超出试卷总分 10" in html
