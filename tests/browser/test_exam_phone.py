"""The exam page on a phone with a long paper: the number grid is a sheet, question 1 starts on the first screen,
a reload resumes at the last question and never counts as leaving; leaving for a few seconds does count;
the submit dialog does not say "all answered" over a flagged question."""

from __future__ import annotations

import re

from app.exams.models import Attempt
from app.extensions import db
from question_bank import PaperSpec, QuestionType, Section
from tests.exams.conftest import make_sitting, make_template

LONG = PaperSpec(
    title="安全生产知识考试",
    sections=(
        Section("判断题", QuestionType.TRUE_FALSE, 26, 1.0),
        Section("单选题", QuestionType.SINGLE, 20, 2.0),
        Section("多选题", QuestionType.MULTIPLE, 10, 2.0),
        Section("填空题", QuestionType.FILL, 4, 1.5),
    ),
    time_limit_minutes=60,
    pass_mark=80,
)


def _start(factory, page, log_in) -> int:
    enterprise = factory.enterprise(name="玄武化工有限公司")
    admin = factory.enterprise_admin(enterprise)
    person = factory.employ(enterprise, name="王大锤", actor=admin).person
    worker = factory.worker(person)
    make_sitting(make_template(spec=LONG), admin, [person])
    factory.commit()
    log_in(page, worker.username)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("my-exams").get_by_role("button", name="开始考试").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+$"))
    page.get_by_test_id("question").first.wait_for()
    return int(page.url.rsplit("/", 1)[1])


def _focus_losses(attempt_id: int) -> int:
    db.session.rollback()
    return db.session.get(Attempt, attempt_id).focus_losses


def _in_first_screen(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + 40 <= page.viewport_size["height"]


def test_long_paper_on_a_phone_grid_in_a_sheet_resume_and_reload_is_not_leaving(factory, phone_page, log_in):
    page = phone_page
    attempt_id = _start(factory, page, log_in)
    assert page.get_by_test_id("question").count() == 60

    # question 1 is on the first screen; the 60 numbers are not
    assert _in_first_screen(page, "#q-0 .q-stem")
    assert not page.get_by_test_id("qmap").is_visible()
    toggle = page.get_by_test_id("qmap-toggle")
    assert toggle.inner_text() == "题目导航 · 第 1/60 题 · 已答 0"

    # the sheet opens, a number jumps there and the sheet closes
    toggle.click()
    page.get_by_test_id("qmap").locator(".qmap-item").nth(41).click()
    assert not page.get_by_test_id("qmap").is_visible()
    assert page.locator("#q-41").is_visible() and page.locator("#q-0").is_hidden()
    assert _in_first_screen(page, "#q-41 .q-stem")
    assert toggle.inner_text() == "题目导航 · 第 42/60 题 · 已答 0"

    # a reload resumes at question 42 and is not counted as leaving the exam, nor is a second one
    page.reload()
    page.locator("#q-41").wait_for()
    assert page.locator("#q-41").is_visible() and page.locator("#q-0").is_hidden()
    assert _in_first_screen(page, "#q-41 .q-stem")
    page.reload()
    page.locator("#q-41").wait_for()
    page.wait_for_timeout(3500)
    assert _focus_losses(attempt_id) == 0
    assert page.locator("#exam-message").is_hidden()

    # a glance away for under a second is not leaving; four seconds in another app is
    hide = """ms => new Promise(done => {
        Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
        setTimeout(() => {
          Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true});
          document.dispatchEvent(new Event('visibilitychange'));
          done();
        }, ms);
      })"""
    page.evaluate(hide, 800)
    page.wait_for_timeout(500)
    assert _focus_losses(attempt_id) == 0
    page.evaluate(hide, 4000)
    page.get_by_text("检测到离开考试页面，已记录（累计 1 次）。").wait_for()
    assert _focus_losses(attempt_id) == 1


def test_submit_dialog_names_flagged_questions(factory, page, log_in):
    _start(factory, page, log_in)
    if page.locator("#q-1").is_hidden():
        page.get_by_test_id("mode-toggle").click()
    for pos in range(60):
        section = page.locator(f"#q-{pos}")
        if section.locator("input.q-fill").count():
            section.locator("input.q-fill").fill("答案")
        else:
            section.locator(".q-option input").first.check()
    page.locator("#q-7 .q-flag input").check()
    page.get_by_test_id("save-status").filter(has_text="已保存").wait_for()
    page.get_by_test_id("submit").click()
    confirm = page.get_by_test_id("confirm")
    confirm.wait_for()
    assert "所有题目均已作答" not in confirm.inner_text()
    assert page.get_by_test_id("flagged").inner_text().splitlines() == ["有 1 题标记为待检查：", "第 8 题已标记"]
