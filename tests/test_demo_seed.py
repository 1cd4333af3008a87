"""The demo seed: idempotent, and the demo shows real activity (an open exam, a finished 逢查必考 with a finding)."""

from __future__ import annotations

import sqlalchemy as sa

from app.exams.models import Attempt, AttemptState, ExamKind, Sitting
from app.exams.practical import validity
from app.exams.practical.models import PracticalAttempt, PracticalSitting
from app.extensions import db
from app.seed.demo import DEMO_PASSWORD, seed_demo
from app.spotchecks.models import Finding, FindingState, Inspection, InspectionState, TicketState


def log_in(client, username: str):
    client.post("/logout")
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.data.decode()[:500]
    return client


def test_demo_seed_is_idempotent_and_shows_activity(app, client):
    assert seed_demo() is True
    db.session.commit()
    assert seed_demo() is False
    db.session.commit()

    # the open exam: the worker has not started, colleagues passed and failed
    sitting = db.session.scalars(sa.select(Sitting).where(Sitting.kind == ExamKind.TRAINING)).one()
    attempts = db.session.scalars(sa.select(Attempt).where(Attempt.sitting_id == sitting.id)).all()
    assert {a.state for a in attempts} == {AttemptState.GRADED}
    assert sorted(bool(a.passed) for a in attempts) == [False, True, True]

    # the inspection: closed, one failure, one open finding, one swapped ticket
    inspection = db.session.scalars(sa.select(Inspection)).one()
    assert inspection.status is InspectionState.CLOSED
    active = inspection.active_tickets
    assert all(t.answered for t in active) and sum(not t.passed for t in active) == 1
    assert sum(t.status is TicketState.VOID for t in inspection.tickets) == 1
    finding = db.session.scalars(sa.select(Finding)).one()
    assert finding.status is not FindingState.CLOSED

    home = log_in(client, "worker").get("/")
    html = home.data.decode()
    assert home.status_code == 200
    assert sitting.title in html and f"/exams/sittings/{sitting.id}/start" in html  # 开始考试

    findings = log_in(client, "enterprise").get("/spotchecks/findings").data.decode()
    assert findings.count('href="/spotchecks/findings/') == 1
    assert finding.person.name in findings

    inspections = log_in(client, "regulator").get("/spotchecks/").data.decode()
    assert inspection.doc_number in inspections and "已结束" in inspections

    # the practical exam: two 低压电工 scored and signed by two examiners, each on their own valid theory pass (the
    # three certificate holders' own 实操 are sittings of their own, before their certificates)
    practical_sitting = db.session.scalars(sa.select(PracticalSitting).order_by(PracticalSitting.id.desc())).first()
    assert len(practical_sitting.examiner_ids) == 2 and practical_sitting.operation_code == "1.2"
    graded = db.session.scalars(
        sa.select(PracticalAttempt)
        .where(PracticalAttempt.sitting_id == practical_sitting.id)
        .order_by(PracticalAttempt.score.desc())
    ).all()
    assert [(a.signatures, a.score, a.passed) for a in graded] == [(2, 89.5, True), (2, 81.5, False)]
    for a in graded:
        assert validity.theory_pass(a.person_id, "1.2", a.exam_on) == a.theory_attempt
    assert validity.passed_practical(graded[0].person_id, "1.2", graded[0].exam_on) == graded[0]
    page = log_in(client, "examiner").get(f"/exams/practical/{practical_sitting.id}").data.decode()
    assert graded[0].person.name in page and "89.5" in page

    result = app.test_cli_runner().invoke(args=["verify-archive"])
    assert result.exit_code == 0, result.output
    assert "archive intact" in result.output
