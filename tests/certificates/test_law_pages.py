"""The pages of certificates by the law in force: the next obligation and its rule, a 换证 from the certificate page,
a district's 违章 record and 暂扣建议, lists filtered by today's status (not the stored one), the 6-month flag of
高危 managers, the rule versions and the issuing authorities, the fraud bar at the exam door, and the recompute
command an upgrade runs."""

from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa
from openpyxl import load_workbook

from app.certificates import renewals
from app.certificates.issuing import issuance, terms
from app.certificates.models import Certificate, CertStatus, EventKind, IssuingDelegation, RevocationGround
from app.core.clock import local_today
from app.exams.gates import refusals
from app.exams.models import ExamKind
from app.extensions import db
from app.people.models import Post
from app.rules.models import Rule
from app.rules.queries import rule_value
from tests.certificates.world import give_photo, graded_sitting, review_trained, trained_for


def page(response) -> str:
    return response.get_data(as_text=True)


def test_the_certificate_page_names_the_next_obligation_and_renews_it(client, login, cw):
    today = local_today()
    # a card issued six years ago less 30 days: its 换证 window (60 days) is open today
    issued = terms.add_years(today + timedelta(days=30), -6)
    cert = issuance.issue(cw.qualified(cw.persons[0], issued), actor=cw.regulator, today=issued)
    if cert.review_due_on is not None:  # its 复审 fell due before 2026-06-01 (30号令): done then, in its window
        due = cert.review_due_on
        review_trained(cw, cw.persons[0], due - timedelta(days=40))
        earlier = graded_sitting(
            cw.enterprise, [(cw.persons[0], True)], kind=ExamKind.REVIEW, on=due - timedelta(days=20)
        )
        renewals.review(
            cert, actor=cw.regulator, attempt=cw.attempt_of(cw.persons[0], earlier), today=due - timedelta(days=10)
        )
    review_trained(cw, cw.persons[0], today - timedelta(days=20))
    exam = graded_sitting(cw.enterprise, [(cw.persons[0], True)], kind=ExamKind.REVIEW, title="低压电工 换证考试")
    attempt = cw.attempt_of(cw.persons[0], exam)
    db.session.commit()
    login(cw.regulator)
    html = page(client.get(f"/certificates/{cert.id}"))
    assert 'data-testid="cert-status">待换证<' in html
    assert "换证 · " in html and "应急管理部令第19号" in html and "应复审日期" not in html
    assert f'value="{attempt.id}"' in html and "低压电工 换证考试" in html  # the unused result is offered
    response = client.post(
        f"/certificates/{cert.id}/renew",
        data={"attempt_id": attempt.id, "applied_on": today.isoformat(), "doc_number": "宁换〔2026〕8号"},
    )
    after = page(client.get(response.location))
    assert "已办理" in after and 'data-testid="cert-status">有效<' in after and "宁换〔2026〕8号" in after
    db.session.expire_all()
    cert = db.session.get(Certificate, cert.id)
    assert cert.valid_to == terms.add_years(issued, 12) and cert.events[-1].kind is EventKind.RENEWED
    # the result is used: not offered again, and a second POST is refused
    assert f'value="{attempt.id}"' not in page(client.get(f"/certificates/{cert.id}"))


def test_a_district_notes_a_violation_and_proposes_a_suspension_but_cannot_decide(client, login, cw):
    cert = issuance.issue(cw.attempt_of(cw.persons[0]), actor=cw.regulator)
    district = cw.factory.regulator("320102")
    db.session.commit()
    login(district)
    html = page(client.get(f"/certificates/{cert.id}"))
    assert 'data-testid="note-form"' in html and 'data-testid="decision-form"' not in html
    assert client.post(f"/certificates/{cert.id}/suspend", data={"reason": "x", "doc_number": "y"}).status_code == 403
    client.post(f"/certificates/{cert.id}/violation", data={"reason": "无证操作", "doc_number": "玄应急〔2026〕3号"})
    client.post(f"/certificates/{cert.id}/propose", data={"reason": "现场违章", "doc_number": "玄应急〔2026〕4号"})
    db.session.expire_all()
    events = db.session.get(Certificate, cert.id).events
    assert [(e.kind, e.doc_number) for e in events[1:]] == [
        (EventKind.VIOLATION, "玄应急〔2026〕3号"),
        (EventKind.SUSPENSION_PROPOSED, "玄应急〔2026〕4号"),
    ]
    login(cw.other_regulator)  # another city's regulator does not reach it at all
    assert client.post(f"/certificates/{cert.id}/violation", data={"reason": "x", "doc_number": "y"}).status_code == 404


def test_the_list_filters_by_todays_status_before_the_nightly_job(client, login, cw):
    give_photo(cw.persons[2])
    lapsed = issuance.issue(cw.qualified(cw.persons[2], date(2019, 1, 10)), actor=cw.regulator, today=date(2019, 1, 10))
    db.session.execute(  # never moved by a nightly job: stored 有效, over since 2025
        sa.update(Certificate).where(Certificate.id == lapsed.id).values(review_due_on=None, status=CertStatus.VALID)
    )
    current = issuance.issue(cw.attempt_of(cw.persons[0]), actor=cw.regulator)
    db.session.commit()
    login(cw.regulator)
    valid = page(client.get("/certificates/?status=valid"))
    assert f'/certificates/{current.id}"' in valid and f'/certificates/{lapsed.id}"' not in valid
    expired = page(client.get("/certificates/?status=expired"))  # 失效: its end fell under 30号令 (2025)
    assert f'/certificates/{lapsed.id}"' in expired and 'data-testid="cert-status">失效<' in expired


def test_the_enterprise_sees_its_overdue_manager_and_the_regulator_the_count(client, login, cw):
    boss = cw.factory.employ(cw.enterprise, name="钱经理", post=Post.PRINCIPAL, actor=cw.admin)  # since 2024-01-01
    db.session.commit()
    login(cw.admin)
    html = page(client.get(f"/certificates/compliance/{cw.enterprise.id}"))
    assert 'data-testid="appointment-overdue"' in html and "2024-07-01" in html
    book = load_workbook(io.BytesIO(client.get(f"/certificates/compliance/{cw.enterprise.id}.xlsx").get_data()))
    rows = {r[0]: r for r in book.active.values}
    assert rows["钱经理"][7] == "无证（任职超过6个月）" and rows["姓名"][6] == "下一事项"
    login(cw.regulator)
    overview = page(client.get("/certificates/compliance"))
    assert 'data-field="overdue">1<' in overview
    assert boss.person.name == "钱经理"


def test_the_admin_adds_a_rule_version_and_it_applies_from_its_date(client, login, cw):
    admin = cw.factory.admin()
    db.session.commit()
    login(admin)
    rule = db.session.scalars(sa.select(Rule).where(Rule.key == "cert.renewal_window_days.special_operator")).first()
    html = page(client.get("/admin/rules"))
    assert "2026-06-01" in html and "新增版本" in html
    response = client.post(
        f"/admin/rules/{rule.id}/versions",
        data={"value": "90", "valid_from": "2027-01-01", "legal_basis": "省厅通知（演示）", "region_code": ""},
    )
    assert response.status_code == 302
    assert rule_value("cert.renewal_window_days.special_operator", on=date(2026, 12, 31)) == 60
    assert rule_value("cert.renewal_window_days.special_operator", on=date(2027, 1, 1)) == 90
    again = client.post(
        f"/admin/rules/{rule.id}/versions", data={"value": "30", "valid_from": "2027-01-01", "region_code": ""}
    )
    assert "该规则在此地区已有 2027-01-01 起施行的版本" in page(again)
    bad = client.post(
        f"/admin/rules/{rule.id}/versions", data={"value": "30", "valid_from": "2027-02-01", "region_code": "32a"}
    )
    assert "不是行政区划代码前缀" in page(bad)


def test_entrustments_are_kept_by_the_admin_or_the_province(client, login, cw):
    city = cw.regulator  # 南京市: may see, may not entrust
    login(city)
    html = page(client.get("/certificates/authorities"))
    assert "南京市应急管理局" in html and 'data-testid="delegate-form"' not in html
    assert client.post("/certificates/authorities", data={"city": "320500"}).status_code == 403
    province = cw.factory.regulator("320000")
    cw.factory.jurisdiction("320500", "苏州市")
    db.session.commit()
    login(province)
    client.post("/certificates/authorities", data={"city": "320500", "doc_number": "苏应急〔2026〕委2号"})
    codes = set(db.session.scalars(sa.select(IssuingDelegation.region_code)))
    assert codes == {"320100", "320500"}
    # the Suzhou regulator now issues for its area
    suzhou = db.session.scalars(sa.select(IssuingDelegation).where(IssuingDelegation.region_code == "320100")).one()
    client.post(f"/certificates/authorities/{suzhou.id}/withdraw")
    assert set(db.session.scalars(sa.select(IssuingDelegation.region_code))) == {"320500"}


def test_a_fraud_barred_person_is_refused_at_the_exam_door(cw):
    from app.certificates import decisions

    person = cw.persons[0]
    cert = issuance.issue(cw.attempt_of(person), actor=cw.regulator)
    decisions.revoke(
        cert, actor=cw.regulator, reason="代考", doc_number="宁应急撤〔2026〕2号", ground=RevocationGround.FRAUD
    )
    today = local_today()
    until = terms.add_years(today, 3).isoformat()
    refused = refusals(ExamKind.QUALIFICATION, Post.SPECIAL_OPERATOR.value, "1.2", [person.id, cw.persons[2].id], today)
    assert refused == {person.id: f"王大锤 的该项目证书曾因以欺骗、贿赂等不正当手段取得被撤销，{until} 前不得报名"}
    trained_for(cw, person, "1.1")
    assert refusals(ExamKind.QUALIFICATION, Post.SPECIAL_OPERATOR.value, "1.1", [person.id], today) == {}


def test_the_recompute_command_brings_old_records_in_line(app, cw):
    cert = issuance.issue(cw.qualified(cw.persons[0], date(2023, 7, 1)), actor=cw.regulator, today=date(2023, 7, 1))
    db.session.execute(
        sa.update(Certificate)
        .where(Certificate.id == cert.id)
        .values(review_due_on=date(2026, 7, 1), review_years=3, status=CertStatus.REVIEW_OVERDUE, live_key=None)
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["recompute-certificates"])
    assert result.exit_code == 0 and "certificates changed: 1" in result.output
    db.session.expire_all()
    cert = db.session.get(Certificate, cert.id)
    assert (cert.status, cert.review_due_on, cert.live_key is not None) == (CertStatus.VALID, None, True)
    again = app.test_cli_runner().invoke(args=["recompute-certificates"])
    assert "certificates changed: 0" in again.output


def test_the_issuing_authority_prints_its_real_name(app, cw):
    result = app.test_cli_runner().invoke(args=["set-authority-name", "320100", "南京市应急管理局（市安委办）"])
    assert result.exit_code == 0 and "320100: 南京市应急管理局（市安委办）" in result.output
    cert = issuance.issue(cw.attempt_of(cw.persons[0]), actor=cw.regulator)
    assert cert.authority == "南京市应急管理局（市安委办）"
    assert app.test_cli_runner().invoke(args=["set-authority-name", "999900", "x"]).exit_code != 0
