"""Online exam on a phone: start, answer, lose the network (answers queue up as 未保存), come back (已保存),
reload and resume with every answer, submit with confirmation, see the result."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from app.core.db import utcnow
from app.exams.models import Answer, Attempt
from app.extensions import db
from tests.exams.conftest import a_candidate, make_sitting, make_template, right_answer


def stored_answers(attempt_id: int) -> dict[int, list]:
    db.session.rollback()  # see what the server thread committed
    rows = db.session.execute(sa.select(Answer.position, Answer.response).where(Answer.attempt_id == attempt_id))
    return dict(rows.all())


def test_exam_on_a_phone_survives_going_offline_and_reloading(factory, phone_page, log_in):
    worker, _person, sitting = a_candidate(factory)
    page = phone_page

    log_in(page, worker.username)
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_test_id("my-exams").get_by_role("button", name="开始考试").click()  # starts from the home page
    page.wait_for_url(re.compile(r"/exams/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    assert dialogs == ["开始后计时 60 分钟，中途不会暂停。确定开始考试？"]
    questions = page.get_by_test_id("question")
    questions.first.wait_for()
    assert questions.count() == 24
    status = page.get_by_test_id("save-status")
    timer = page.get_by_test_id("timer")
    assert re.fullmatch(r"(59|60):\d\d", timer.inner_text())

    db.session.rollback()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.sitting_id == sitting.id
    right = [right_answer(attempt, pos) for pos in range(3)]  # the first section is 判断: radio 0 正确 / 1 错误

    def answer(pos):
        page.locator(f"#q-{pos} input[value='{right[pos][0]}']").check()

    # one question at a time on a phone
    answer(0)
    assert page.locator("#q-1").is_hidden()
    page.get_by_text("已保存", exact=True).first.wait_for()
    assert status.inner_text() == "已保存"

    # offline: the answers stay on the phone, marked 未保存
    page.context.set_offline(True)
    page.get_by_test_id("next").click()
    answer(1)
    page.get_by_test_id("next").click()
    answer(2)
    page.locator("#q-2").get_by_test_id("q-status").filter(has_text="未保存").wait_for()
    assert status.inner_text() == "未保存 2 题"
    assert page.locator(".qmap-item.unsaved").count() == 2
    assert sorted(stored_answers(attempt_id)) == [0]

    # online again: the queue drains by itself
    page.context.set_offline(False)
    expect(page.get_by_test_id("save-status")).to_have_text("已保存")  # no string eval: the page has a CSP
    assert stored_answers(attempt_id) == {0: right[0], 1: right[1], 2: right[2]}

    # reload (or another device): same attempt, every saved answer, the server's time left
    page.reload()
    page.locator("#q-2").wait_for()  # resumes at the question left last
    assert page.locator("#q-0").is_hidden()
    page.get_by_test_id("mode-toggle").click()  # show all
    assert page.locator("#q-1").is_visible()
    for pos in range(3):
        assert page.locator(f"#q-{pos} input[value='{right[pos][0]}']").is_checked()
    assert page.locator(".qmap-item.answered").count() == 3

    # submit: the confirmation lists the unanswered questions
    page.get_by_test_id("submit").click()
    confirm = page.get_by_test_id("confirm")
    confirm.wait_for()
    assert "已答 3 题，未答 21 题" in confirm.inner_text()
    assert page.get_by_test_id("unanswered").locator("li").count() == 21
    page.get_by_test_id("confirm-submit").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+/result$"))
    assert page.get_by_test_id("score").inner_text().startswith("9")
    assert page.get_by_test_id("failed").is_visible()
    assert page.get_by_test_id("review-item").count() == 0  # colleagues may still be sitting it
    assert "后可查看答题详情" in page.get_by_test_id("review-later").inner_text()

    # back home: the finished exam with its score
    page.goto("/")
    assert "9 分" in page.get_by_test_id("my-exams").inner_text()


def test_a_database_outage_keeps_the_answers_on_the_page_and_its_queue_catches_up_when_it_is_back(
    factory, phone_page, log_in
):
    """The database restarts mid-exam: every save answers 503 with ``Retry-After: 1`` (what the app answers then,
    app/core/errors.py). The answer stays on the page as 未保存, the page sends it again after each Retry-After (not
    after a doubling backoff: 1, 2, 4 s), and once the database is back it is saved with nobody touching anything."""
    worker, _person, _sitting = a_candidate(factory)
    page = phone_page
    log_in(page, worker.username)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("my-exams").get_by_role("button", name="开始考试").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    page.get_by_test_id("question").first.wait_for()
    db.session.rollback()
    right = [right_answer(db.session.get(Attempt, attempt_id), pos) for pos in range(2)]
    page.locator(f"#q-0 input[value='{right[0][0]}']").check()
    status = page.get_by_test_id("save-status")
    expect(status).to_have_text("已保存")

    refused: list[float] = []
    outage = {"on": True}

    def answers(route):
        if not outage["on"]:
            return route.continue_()
        refused.append(time.monotonic())
        body = {"error": {"code": "db.unavailable", "message": "数据库暂时不可用，请稍后重试。"}}
        return route.fulfill(status=503, headers={"Retry-After": "1"}, json=body)

    page.route(re.compile(r"/answer$"), answers)
    page.get_by_test_id("next").click()
    page.locator(f"#q-1 input[value='{right[1][0]}']").check()
    expect(page.locator("#q-1").get_by_test_id("q-status")).to_have_text("未保存")
    deadline = time.monotonic() + 10
    while len(refused) < 4 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    # four tries within ~3 s (Retry-After: 1, ±20 %); a doubling backoff would have needed 7 s
    assert len(refused) >= 4 and refused[3] - refused[0] < 4.5, [round(t - refused[0], 2) for t in refused]
    assert status.inner_text() == "未保存 1 题" and stored_answers(attempt_id) == {0: right[0]}

    outage["on"] = False  # the database is back
    expect(status).to_have_text("已保存", timeout=5_000)
    assert stored_answers(attempt_id) == {0: right[0], 1: right[1]}


def test_an_upcoming_sittings_start_button_enables_itself_when_it_opens(factory, phone_page, log_in):
    """Candidates wait on the home page before the sitting opens: no reload is needed to start at the right time."""
    enterprise = factory.enterprise(name="玄武化工有限公司")
    admin = factory.enterprise_admin(enterprise)
    person = factory.employ(enterprise, name="王大锤", actor=admin).person
    worker = factory.worker(person)
    make_sitting(make_template(), admin, [person], opens=utcnow() + timedelta(seconds=4))
    factory.commit()
    page = phone_page

    log_in(page, worker.username)
    button = page.get_by_test_id("my-exams").get_by_test_id("start")
    expect(button).to_be_disabled()
    expect(button).to_have_text("未开始")
    expect(button).to_be_enabled(timeout=10_000)
    expect(button).to_have_text("开始考试")
    page.once("dialog", lambda dialog: dialog.accept())
    button.click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+$"))
    expect(page.get_by_test_id("question").first).to_be_visible()
