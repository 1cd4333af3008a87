"""Races on attendance and enrolment that only a real database server shows (PostgreSQL; see
tests/exams/test_concurrency.py): the daily cap under parallel entries, one approval of a correction however many
approvers click at once, one enrolment per accepted application, one application per double submit."""

from __future__ import annotations

import os
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.auth.models import Role
from app.extensions import db
from app.training.attendance import corrections
from app.training.enrolment import applications
from app.training.models import (
    Attendance,
    AttendanceCorrection,
    AttendanceDay,
    CorrectionState,
    Enrolment,
    EnrolmentApplication,
)
from tests.exams.test_concurrency import in_parallel, logged_in_clients
from tests.training.test_enrolment import institution_class
from tests.training.world import offline_class

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
        reason="concurrency tests need PostgreSQL (set DATABASE_URL=postgresql+psycopg://…); "
        "SQLite serialises all writers, so the races cannot happen there",
    ),
]

NOV_20 = datetime(2026, 11, 20, 8, 0)  # 16:00 in Shanghai
NOV_22 = datetime(2026, 11, 22, 2, 0)


def events(kind: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveEvent).where(ArchiveEvent.kind == kind))


@pytest.fixture
def offline(training_world, factory):
    w = training_world
    w.offline = offline_class(w)
    factory.commit()
    return w


def test_entries_racing_for_one_day_never_pass_the_daily_cap(app, offline, monkeypatch):
    w = offline
    monkeypatch.setattr("app.training.attendance_views.utcnow", lambda: NOV_20)
    clients = logged_in_clients(app, w.organiser, 8)
    url = f"/training/classes/{w.offline.id}/attendance/entries"
    person_id = w.person.id  # plain values: the threads have no app context to load attributes in

    def post(client, n):
        data = {
            "att-person_id": person_id,
            "att-session_date": "2026-11-20",
            "att-session_label": f"第{n}节",
            "att-minutes": "100",
            "att-reason": "签到表",
        }
        return client.post(url, data=data).status_code

    assert in_parallel([lambda c=c, n=n: post(c, n) for n, c in enumerate(clients)]) == [302] * 8
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 3  # 3 × 100 ≤ 360 < 4 × 100
    assert db.session.scalar(sa.select(AttendanceDay.minutes)) == 300
    assert events("training.attended") == 3


def test_approvers_clicking_at_once_apply_a_correction_once(app, offline, factory, monkeypatch):
    w = offline
    monkeypatch.setattr("app.training.attendance_views.utcnow", lambda: NOV_22)
    correction = corrections.request_correction(
        w.offline,
        w.person.id,
        session_date=date(2026, 11, 20),
        session_label="下午",
        minutes=135,
        actor=w.organiser,
        reason="漏录",
        now=NOV_22,
    )
    approvers = [factory.user(Role.ENTERPRISE, enterprise_id=w.enterprise.id, supervisor=True) for _ in range(3)]
    approvers += [factory.regulator("320100") for _ in range(3)]
    factory.commit()
    clients = [logged_in_clients(app, user, 1)[0] for user in approvers]
    url = f"/training/corrections/{correction.id}/approve"
    pages = in_parallel([lambda c=c: c.post(url, follow_redirects=True).get_data(as_text=True) for c in clients])
    assert sum("已批准更正" in page for page in pages) == 1
    assert sum("该更正申请已经处理过了" in page for page in pages) == 5
    db.session.rollback()
    assert db.session.scalars(sa.select(Attendance.minutes)).all() == [135]
    assert db.session.scalar(sa.select(AttendanceDay.minutes)) == 135
    assert db.session.get(AttendanceCorrection, correction.id).state is CorrectionState.APPROVED
    assert (events("attendance.correction_approved"), events("training.attended")) == (1, 1)


@pytest.fixture
def applied(training_world, factory):
    w = training_world
    institution = factory.institution("320102")
    w.institution_user = factory.user(Role.INSTITUTION, institution_id=institution.id)
    w.institution_class = institution_class(w.institution_user)
    factory.commit()
    return w


def test_a_double_submitted_application_is_made_once(app, applied):
    w = applied
    clients = logged_in_clients(app, w.organiser, 6)
    url = f"/training/classes/{w.institution_class.id}/pick"
    form = {"pick-person_ids": [w.person.id]}
    assert in_parallel([lambda c=c: c.post(url, data=form).status_code for c in clients]) == [302] * 6
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EnrolmentApplication)) == 1
    assert events("training.applied") == 1


def test_an_application_accepted_by_several_clicks_at_once_enrols_once(app, applied):
    w = applied
    applications.apply(w.institution_class, [w.person.id], actor=w.organiser)
    application_id = db.session.scalar(sa.select(EnrolmentApplication.id))
    db.session.commit()
    clients = logged_in_clients(app, w.institution_user, 6)
    url = f"/training/classes/{w.institution_class.id}/applicants"
    form = {"review-application_ids": str(application_id), "decision": "accept"}
    assert in_parallel([lambda c=c: c.post(url, data=form).status_code for c in clients]) == [302] * 6
    db.session.rollback()
    enrolled = sa.select(sa.func.count()).select_from(Enrolment).where(Enrolment.class_id == w.institution_class.id)
    assert db.session.scalar(enrolled) == 1
    assert events("training.enrolled") == 3  # the world's own class enrolled two; this one, once
