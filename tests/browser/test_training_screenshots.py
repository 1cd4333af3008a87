"""README screenshots of the training pages from the demo data (written only with ``ANPEI_SCREENSHOTS=1``)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_screenshots import demo, log_in, shoot  # noqa: F401  (the demo fixture)


def test_training_screenshots(page, phone_page, demo):  # noqa: F811
    log_in(page, "enterprise")
    page.get_by_role("navigation").get_by_role("link", name="培训班次").click()
    page.get_by_test_id("classes").get_by_role("link", name="主要负责人和安全管理人员 再培训班").click()
    expect(page.get_by_test_id("class-roster")).to_contain_text("王建国")
    shoot(page, "training-class.png")

    page.get_by_test_id("snapshot-cell").filter(has_text="待复核").get_by_role("link").click()
    expect(page.get_by_text("待复核：与登记照片不符")).to_be_visible()
    shoot(page, "training-snapshots.png")

    page.get_by_role("navigation").get_by_role("link", name="学时台账").click()
    expect(page.get_by_test_id("ledger")).to_contain_text("差")
    shoot(page, "training-ledger.png")

    phone = phone_page
    log_in(phone, "worker")
    phone.goto("/training/mine")
    expect(phone.get_by_test_id("my-year")).to_contain_text("年度再培训")
    phone.get_by_test_id("my-class").first.click()
    expect(phone.get_by_test_id("class-hours")).to_contain_text("网络学习 10 分钟")
    shoot(phone, "training-my-class-phone.png")
    phone.get_by_test_id("my-lessons").get_by_role("link").first.click()
    expect(phone.get_by_test_id("study-status")).to_contain_text("学习中")
    shoot(phone, "training-lesson-phone.png")
