"""逢查必考 end to end: the inspector's desktop opens an inspection, a worker answers on their own phone through
the ticket link, the inspector sees the result arrive live and closes the check."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.spotchecks.models import SpotCheckTicket
from tests.spotchecks.world import World, forget_question_indexes


@pytest.fixture(autouse=True)
def _fresh_question_indexes():
    forget_question_indexes()
    yield
    forget_question_indexes()


def _correct_positions(ticket_id: int) -> list[int]:
    db.session.expire_all()
    attempt = db.session.get(SpotCheckTicket, ticket_id).attempt
    rows = []
    for item in attempt.paper["items"]:
        order = item["option_order"] or list(range(len(item["question"]["options"])))
        rows.append(order.index(item["question"]["answer"][0]))
    return rows


def test_inspector_desktop_and_worker_phone(factory, page, phone_page, log_in):
    world = World.build(factory, managers=1, operators=1, workers=2)
    factory.commit()
    principal = world.people["负责甲"]

    # the inspector opens the inspection: only the 主要负责人 this time
    log_in(page, world.regulator.username)
    page.goto(f"/spotchecks/new?enterprise={world.enterprise.id}")
    page.fill("#inspectors", "李明、王强")
    page.fill("#doc_number", "（宁）应急检〔2025〕31号")
    for field in ("#safety_manager", "#special_operator", "#worker"):
        page.fill(field, "0")
    page.click("form.stack button[type=submit]")
    card = page.get_by_test_id("ticket-负责甲")
    card.locator("img.qr").wait_for()
    assert len(card.get_by_test_id("code").inner_text().strip()) == 6
    ticket_url = card.get_by_test_id("ticket-url").get_attribute("href")
    ticket_id = int(card.get_attribute("data-ticket"))

    # the worker scans the code with their phone, confirms identity, answers
    phone_page.goto(ticket_url)
    phone_page.fill("#name", principal.name)
    phone_page.fill("#id_number", "110101199003070000")
    phone_page.click("form.stack button[type=submit]")
    assert "还可尝试 4 次" in phone_page.content()
    phone_page.fill("#name", principal.name)
    phone_page.fill("#id_number", principal.id_number)
    phone_page.click("form.stack button[type=submit]")
    # the exam engine's own page, fed by the ticket-scoped JSON endpoints
    questions = phone_page.get_by_test_id("question")
    questions.first.wait_for()
    assert questions.count() == 10
    assert phone_page.get_by_test_id("timer").inner_text() != "--:--"
    phone_page.get_by_test_id("mode-toggle").click()  # all questions on one page
    for position, right in enumerate(_correct_positions(ticket_id)):
        phone_page.locator(f"#q-{position} input[value='{right}']").check()
    phone_page.get_by_test_id("save-status").filter(has_text="已保存").wait_for()
    phone_page.get_by_test_id("submit").click()
    phone_page.get_by_test_id("confirm-submit").click()
    phone_page.get_by_test_id("ticket-done").wait_for()
    assert phone_page.get_by_test_id("score").inner_text() == "100"

    # the inspector's screen shows the result without reloading, then the check is closed
    card.locator("[data-field=result]", has_text="合格").wait_for()
    assert "100" in card.locator("[data-field=result]").inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("close-inspection").click()
    page.get_by_test_id("inspection-status").filter(has_text="已结束").wait_for()

    # a second phone on the same link gets a clear refusal, never a second attempt
    other = phone_page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        intruder = other.new_page()
        intruder.goto(ticket_url)
        assert "无法进入测试" in intruder.content()
    finally:
        other.close()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SpotCheckTicket)) == 1
