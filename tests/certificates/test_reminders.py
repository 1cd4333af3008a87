"""Reminders 60 days before a certificate's obligation falls due — a 复审 only where 30号令 applied to it, 换证 at the
end of validity since 应急管理部令第19号 — to the holder and the employer, exactly once per window; and once per
appointment for a 高危 unit's manager past the 6 months without a 合格证 (3号令 第二十四条)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.certificates import reminders, renewals
from app.certificates.issuing import issuance
from app.certificates.models import Certificate, Notice
from app.certificates.notice_text import wording
from app.exams.models import ExamKind
from app.extensions import db
from app.people.models import Post
from tests.certificates.world import graded_sitting, review_trained

ISSUED = date(2026, 1, 10)  # 令第19号: no 复审 (it would have been 2029-01-10); valid to 2032-01-10, then 换证


def notices() -> list[tuple[int, str, str, date]]:
    return db.session.execute(
        sa.select(Notice.user_id, Notice.kind, Notice.duty, Notice.due_on).order_by(Notice.id)
    ).all()


def test_a_review_under_order_30_is_reminded_to_holder_and_employer_once(cw):
    worker = cw.factory.worker(cw.persons[0])
    issuance.issue(cw.qualified(cw.persons[0], date(2020, 3, 1)), actor=cw.regulator, today=date(2020, 3, 1))
    assert reminders.send_due(date(2022, 12, 30)) == 0  # 61 days before 2023-03-01
    assert reminders.send_due(date(2022, 12, 31)) == 2
    assert set(notices()) == {
        (worker.id, "review", "", date(2023, 3, 1)),
        (cw.admin.id, "review", "", date(2023, 3, 1)),
    }
    assert reminders.send_due(date(2023, 1, 1)) == 0
    assert reminders.send_due(date(2023, 3, 1)) == 0
    assert len(notices()) == 2


def test_no_reminder_for_a_review_that_no_longer_exists_but_one_for_the_renewal(cw):
    cert = issuance.issue(cw.qualified(cw.persons[0], ISSUED), actor=cw.regulator, today=ISSUED)
    # also a card from before the upgrade still carrying 30号令's date
    cert.review_due_on = date(2029, 1, 10)
    db.session.flush()
    assert reminders.send_due(date(2028, 11, 11)) == 0
    assert reminders.send_due(date(2031, 11, 11)) == 1
    assert notices() == [(cw.admin.id, "expiry", "renew", date(2032, 1, 10))]
    (notice,) = db.session.scalars(sa.select(Notice)).all()
    assert wording(notice).line == "王大锤 的特种作业操作证（低压电工作业）将于 2032-01-10 到期，请办理换证"
    assert reminders.send_due(date(2031, 12, 1)) == 0


def test_after_a_review_under_order_30_the_extension_is_reminded(cw):
    cert = issuance.issue(cw.qualified(cw.persons[0], date(2020, 3, 1)), actor=cw.regulator, today=date(2020, 3, 1))
    review_trained(cw, cw.persons[0], date(2023, 1, 1))
    review = graded_sitting(cw.enterprise, [(cw.persons[0], True)], kind=ExamKind.REVIEW, on=date(2023, 1, 20))
    renewals.review(cert, actor=cw.regulator, attempt=cw.attempt_of(cw.persons[0], review), today=date(2023, 2, 1))
    assert reminders.send_due(date(2025, 12, 31)) == 1  # the end of validity under 30号令: 延期复审
    assert notices()[-1] == (cw.admin.id, "expiry", "extend", date(2026, 3, 1))


def test_an_overdue_appointment_is_reminded_once_to_the_enterprise_and_its_regulators(cw):
    boss = cw.factory.employ(cw.enterprise, name="钱经理", post=Post.PRINCIPAL, actor=cw.admin)  # from 2024-01-01
    district = cw.factory.regulator("320102")
    assert reminders.send_due(date(2024, 7, 1)) == 0
    assert reminders.send_due(date(2024, 7, 2)) == 3  # the enterprise's admin, the city's and the district's
    rows = db.session.scalars(sa.select(Notice).order_by(Notice.user_id)).all()
    assert {n.user_id for n in rows} == {cw.admin.id, cw.regulator.id, district.id}
    assert {(n.kind, n.employment_id, n.due_on) for n in rows} == {("appointment", boss.id, date(2024, 7, 1))}
    assert cw.other_regulator.id not in {n.user_id for n in rows}
    assert wording(rows[0]).line == (
        "玄武化工有限公司 的主要负责人 钱经理 任职已满6个月（2024-07-01），尚未取得安全生产知识和管理能力考核合格证"
    )
    assert reminders.send_due(date(2024, 7, 3)) == 0


def test_the_bell_counts_unread_until_read(client, login, cw):
    issuance.issue(cw.qualified(cw.persons[0], ISSUED), actor=cw.regulator, today=ISSUED)
    reminders.send_due(date(2031, 11, 11))
    db.session.commit()
    login(cw.admin)
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="notice-bell"' in home and '<span class="count">1</span>' in home
    page = client.get("/certificates/notices").get_data(as_text=True)
    cert_id = db.session.scalar(sa.select(Certificate.id))
    assert "王大锤 的特种作业操作证（低压电工作业）将于 2032-01-10 到期，请办理换证" in page
    assert f'href="/certificates/{cert_id}"' in page
    client.post("/certificates/notices")
    assert 'data-testid="notice-bell"' not in client.get("/").get_data(as_text=True)
