"""持证上岗: who needs a certificate, who holds a valid one for what they do, the rate, the export."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from app.certificates import compliance, decisions
from app.certificates.issuing import issuance
from app.extensions import db
from app.people.models import Post
from app.tenancy.models import Industry
from tests.certificates.world import give_photo


def test_the_list_puts_the_uncovered_first_and_counts_the_rate(cw):
    factory = cw.factory
    issuance.issue(cw.qualified(cw.persons[0], date(2026, 1, 10)), actor=cw.regulator, today=date(2026, 1, 10))
    factory.employ(cw.enterprise, name="钱经理", post=Post.PRINCIPAL, actor=cw.admin)  # 危化: needs a 合格证
    factory.employ(cw.enterprise, name="孙工", post=Post.WORKER, actor=cw.admin)  # needs none
    report = compliance.report(cw.enterprise, today=date(2026, 6, 1))
    names = [line.employment.person.name for line in report.lines]
    assert names[-1] == "王大锤" and set(names[:-1]) == {"李小红", "赵铁柱", "钱经理"}
    assert (report.holding, report.required) == (1, 4) and report.rate == 0.25


def test_nobody_whose_review_no_longer_exists_is_counted_as_overdue(cw):
    """The issue's figure: a card of 2026-01-10 would have had its 复审 on 2029-01-10 under 30号令; under
    应急管理部令第19号 it has none, so its holder is 持证上岗 until the 换证 at the end of 2031."""
    issuance.issue(cw.qualified(cw.persons[0], date(2026, 1, 10)), actor=cw.regulator, today=date(2026, 1, 10))
    for day in (date(2029, 1, 10), date(2029, 1, 11), date(2032, 1, 10)):
        line = [x for x in compliance.report(cw.enterprise, today=day).lines if x.employment.person == cw.persons[0]]
        assert line[0].holds, day
    assert compliance.report(cw.enterprise, today=date(2032, 1, 11)).holding == 0  # 过期: not renewed


def test_a_suspended_or_overdue_certificate_does_not_count(cw):
    give_photo(cw.persons[2])
    old = issuance.issue(cw.qualified(cw.persons[2], date(2020, 3, 1)), actor=cw.regulator, today=date(2020, 3, 1))
    assert old.review_due_on == date(2023, 3, 1)  # 30号令: 复审 in 2023
    assert compliance.report(cw.enterprise, today=date(2023, 3, 1)).holding == 1  # 待复审 still holds
    assert compliance.report(cw.enterprise, today=date(2023, 3, 2)).holding == 0  # 逾期未复审
    cert = issuance.issue(cw.qualified(cw.persons[0], date(2026, 1, 10)), actor=cw.regulator, today=date(2026, 1, 10))
    decisions.suspend(cert, actor=cw.regulator, reason="违章", doc_number="暂1", today=date(2026, 2, 1))
    assert compliance.report(cw.enterprise, today=date(2026, 2, 2)).holding == 0


def test_a_high_risk_units_manager_without_a_certificate_six_months_after_appointment_is_flagged(cw):
    """3号令 第二十四条: 高危 主要负责人/安管 pass the authority's 考核 within 6 months of appointment."""
    boss = cw.factory.employ(cw.enterprise, name="钱经理", post=Post.PRINCIPAL, actor=cw.admin)  # from 2024-01-01
    (line,) = [x for x in compliance.report(cw.enterprise, today=date(2024, 7, 1)).lines if x.employment == boss]
    assert (line.deadline, line.overdue) == (date(2024, 7, 1), False)
    (line,) = [x for x in compliance.report(cw.enterprise, today=date(2024, 7, 2)).lines if x.employment == boss]
    assert line.overdue
    assert [x.employment for x in compliance.overdue_appointments(date(2024, 7, 2))] == [boss]
    cw.enterprise.industry = Industry.MANUFACTURING  # not 高危: no deadline
    db.session.flush()
    assert compliance.overdue_appointments(date(2024, 7, 2)) == []


def test_a_certificate_for_another_item_does_not_cover_the_job(cw):
    from tests.certificates.world import trained_for

    trained_for(cw, cw.persons[0], "1.1")
    issuance.issue(cw.qualified(cw.persons[0], date(2026, 1, 10), "1.1"), actor=cw.regulator, today=date(2026, 1, 10))
    assert compliance.report(cw.enterprise, today=date(2026, 6, 1)).holding == 0


def test_pages_and_export(client, login, cw):
    issuance.issue(cw.attempt_of(cw.persons[0]), actor=cw.regulator)
    db.session.commit()
    login(cw.admin)
    html = client.get(f"/certificates/compliance/{cw.enterprise.id}").get_data(as_text=True)
    assert "33.3%" in html and "（1/3）" in html
    book = load_workbook(io.BytesIO(client.get(f"/certificates/compliance/{cw.enterprise.id}.xlsx").get_data()))
    rows = list(book.active.values)
    assert rows[0][0] == "姓名" and rows[-1][:3] == ("持证上岗率", "33.3%", "1/3")
    assert {r[0]: r[7] for r in rows[1:4]} == {"李小红": "无证", "赵铁柱": "无证", "王大锤": "有效"}
    assert client.get(f"/certificates/compliance/{cw.other_enterprise.id}").status_code == 404
    login(cw.regulator)
    overview = client.get("/certificates/compliance").get_data(as_text=True)
    assert "玄武化工有限公司" in overview and "33.3%" in overview and "虎丘烟花有限公司" not in overview
