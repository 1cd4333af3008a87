"""持证上岗: who needs a certificate, who holds a valid one for what they do, the rate, the export."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from app.certificates import compliance, issuing, lifecycle
from app.extensions import db
from app.people.models import Post


def test_the_list_puts_the_uncovered_first_and_counts_the_rate(cw):
    factory = cw.factory
    issuing.issue(cw.attempt_of(cw.persons[0]), actor=cw.regulator, today=date(2026, 1, 10))
    factory.employ(cw.enterprise, name="钱经理", post=Post.PRINCIPAL, actor=cw.admin)  # 危化: needs a 合格证
    factory.employ(cw.enterprise, name="孙工", post=Post.WORKER, actor=cw.admin)  # needs none
    report = compliance.report(cw.enterprise, today=date(2026, 6, 1))
    names = [line.employment.person.name for line in report.lines]
    assert names[-1] == "王大锤" and set(names[:-1]) == {"李小红", "赵铁柱", "钱经理"}
    assert (report.holding, report.required) == (1, 4) and report.rate == 0.25


def test_a_suspended_or_overdue_certificate_does_not_count(cw):
    cert = issuing.issue(cw.attempt_of(cw.persons[0]), actor=cw.regulator, today=date(2026, 1, 10))
    assert compliance.report(cw.enterprise, today=date(2029, 1, 10)).holding == 1  # 待复审 still holds
    assert compliance.report(cw.enterprise, today=date(2029, 1, 11)).holding == 0  # 逾期未复审
    lifecycle.suspend(cert, actor=cw.regulator, reason="违章", doc_number="暂1", today=date(2026, 2, 1))
    assert compliance.report(cw.enterprise, today=date(2026, 2, 2)).holding == 0


def test_a_certificate_for_another_item_does_not_cover_the_job(cw):
    from tests.certificates.world import graded_sitting, trained_for

    trained_for(cw, cw.persons[0], "1.1")
    other = graded_sitting(cw.enterprise, [(cw.persons[0], True)], operation_code="1.1")
    issuing.issue(cw.attempt_of(cw.persons[0], other), actor=cw.regulator, today=date(2026, 1, 10))
    assert compliance.report(cw.enterprise, today=date(2026, 6, 1)).holding == 0


def test_pages_and_export(client, login, cw):
    issuing.issue(cw.attempt_of(cw.persons[0]), actor=cw.regulator)
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
