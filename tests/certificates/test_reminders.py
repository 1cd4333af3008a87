"""Reminders 60 days before 应复审日期 and before expiry: to the holder and the employer, exactly once per window."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.certificates import issuing, lifecycle, reminders
from app.certificates.models import Notice
from app.exams.models import ExamKind
from app.extensions import db
from tests.certificates.world import graded_sitting, review_trained

ISSUED = date(2026, 1, 10)  # 应复审日期 2029-01-10, valid to 2032-01-10


def notices() -> list[tuple[int, str, date]]:
    return db.session.execute(sa.select(Notice.user_id, Notice.kind, Notice.due_on).order_by(Notice.id)).all()


def test_review_reminder_goes_to_holder_and_employer_once(cw):
    worker = cw.factory.worker(cw.persons[0])
    issuing.issue(cw.attempt_of(cw.persons[0]), actor=cw.regulator, today=ISSUED)
    assert reminders.send_due(date(2028, 11, 10)) == 0  # 61 days before
    assert reminders.send_due(date(2028, 11, 11)) == 2
    assert set(notices()) == {(worker.id, "review", date(2029, 1, 10)), (cw.admin.id, "review", date(2029, 1, 10))}
    assert reminders.send_due(date(2028, 11, 12)) == 0
    assert reminders.send_due(date(2029, 1, 10)) == 0
    assert len(notices()) == 2


def test_after_review_the_next_window_reminds_again_for_the_new_date(cw):
    cert = issuing.issue(cw.attempt_of(cw.persons[0]), actor=cw.regulator, today=ISSUED)
    reminders.send_due(date(2028, 11, 11))
    review_trained(cw, cw.persons[0], date(2028, 12, 1))
    review = graded_sitting(cw.enterprise, [(cw.persons[0], True)], kind=ExamKind.REVIEW)
    lifecycle.review(cert, actor=cw.regulator, attempt=cw.attempt_of(cw.persons[0], review), today=date(2029, 1, 5))
    assert reminders.send_due(date(2031, 11, 11)) == 1  # 应复审日期 = end of validity: the expiry notice only
    assert notices()[-1] == (cw.admin.id, "expiry", date(2032, 1, 10))
    assert reminders.send_due(date(2031, 12, 1)) == 0


def test_the_bell_counts_unread_until_read(client, login, cw):
    issuing.issue(cw.attempt_of(cw.persons[0]), actor=cw.regulator, today=ISSUED)
    reminders.send_due(date(2028, 11, 11))
    db.session.commit()
    login(cw.admin)
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="notice-bell"' in home and "🔔 1" in home
    page = client.get("/certificates/notices").get_data(as_text=True)
    assert "王大锤 的特种作业操作证（低压电工作业）应于 2029-01-10 前复审" in page
    client.post("/certificates/notices")
    assert 'data-testid="notice-bell"' not in client.get("/").get_data(as_text=True)
