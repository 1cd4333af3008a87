"""实操 on phones: two examiners, each on their own phone and login, score a candidate item by item (big inputs, the
running total, the signing confirmation); the second signature grades the attempt, and the candidate sees the
result on their own phone and opens the signed score sheet."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from app.core.clock import local_today
from app.exams.practical import candidates, sittings
from app.exams.practical_sheets import seed_score_sheets
from app.people.models import Post
from tests.browser.conftest import PHONE, TIMEOUT_MS
from tests.exams.practical_world import theory_exam


def _phone(browser, live_server):
    context = browser.new_context(base_url=live_server, **PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def _score(page, sitting_id: int, points: dict[str, int], total: str) -> None:
    page.goto(f"/exams/practical/{sitting_id}")
    page.get_by_test_id("score-link").click()
    page.wait_for_url(re.compile(r"/score$"))
    for code, value in points.items():
        page.fill(f"#score-{code}", str(value))
    expect(page.get_by_test_id("score-total")).to_have_text(total)
    first = page.locator("#score-K1")
    assert first.bounding_box()["height"] >= 44  # a finger-sized field
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the phone's screen
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("sign").click()
    page.wait_for_url(re.compile(rf"/exams/practical/{sitting_id}$"))


def test_two_examiners_score_on_phones_and_the_candidate_sees_the_result(factory, browser, live_server, log_in):
    nanjing = factory.jurisdiction("320100", "南京市")
    factory.jurisdiction("320102", "玄武区", parent=nanjing)
    enterprise = factory.enterprise(name="玄武化工有限公司", region="320102")
    person = factory.employ(enterprise, name="王电工", post=Post.SPECIAL_OPERATOR, operation_code="1.2").person
    worker = factory.worker(person)
    first, second = factory.regulator("320100"), factory.regulator("320100")
    first.display_name, second.display_name = "考评员甲", "考评员乙"
    seed_score_sheets()
    theory_exam(person, local_today() - timedelta(days=10))
    sitting = sittings.create_sitting(
        title="低压电工作业 实际操作考试",
        operation_code="1.2",
        site_name="南京市特种作业实操考点",
        exam_on=local_today(),
        examiner_ids=[first.id, second.id],
        actor=first,
    )
    candidates.add_candidates(sitting, [person.id], actor=first)
    factory.commit()

    contexts = []
    try:
        context, page = _phone(browser, live_server)
        contexts.append(context)
        log_in(page, first.username)
        _score(page, sitting.id, {"K1": 18, "K2": 36, "K3": 17, "K4": 18}, "89")
        expect(page.locator(".flash.success")).to_contain_text("等待其他考评员签名")
        expect(page.get_by_test_id("practical-row")).to_contain_text("已签 1/2")

        context, page = _phone(browser, live_server)
        contexts.append(context)
        log_in(page, second.username)
        _score(page, sitting.id, {"K1": 17, "K2": 37, "K3": 18, "K4": 18}, "90")
        expect(page.locator(".flash.success")).to_contain_text("王电工 的实操成绩已生成：89.5 分，合格")

        context, page = _phone(browser, live_server)
        contexts.append(context)
        log_in(page, worker.username)
        row = page.get_by_test_id("my-practical")
        expect(row.get_by_test_id("my-practical-score")).to_have_text("89.5 分")
        expect(row).to_contain_text("合格")
        row.get_by_role("link", name="评分表").click()
        sheet = page.get_by_test_id("score-sheet")
        expect(sheet.get_by_test_id("sheet-result")).to_contain_text("89.5")
        expect(sheet.get_by_test_id("signatures")).to_contain_text("考评员甲")
        expect(sheet.get_by_test_id("signatures")).to_contain_text("考评员乙")
    finally:
        for context in contexts:
            context.close()
