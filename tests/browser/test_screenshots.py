"""README screenshots from the demo data (``app.seed.demo``).

Every run walks the same pages and checks they render; the PNG files in ``docs/screenshots/`` are written only
when ``ANPEI_SCREENSHOTS=1``, so an ordinary test run (and CI) never churns them::

    ANPEI_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_screenshots.py -q
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from playwright.sync_api import expect

from app.bank.seed import DEMO_BANK
from app.extensions import db
from app.seed.activity import EXAM_TEMPLATE
from app.seed.demo import DEMO_PASSWORD, make_id, seed_demo
from app.spotchecks.models import Finding

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WRITE = os.environ.get("ANPEI_SCREENSHOTS") == "1"


@pytest.fixture
def demo(app):
    assert seed_demo()
    db.session.commit()


def shoot(page, name: str, *, full_page: bool = True) -> None:
    """Check the page has no horizontal scrollbar, then save it (full-page unless told) if screenshots are wanted."""
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{name}: the page scrolls sideways by {overflow}px"
    if WRITE:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page, animations="disabled", caret="hide")


def roster_with_mistakes(path: Path) -> str:
    """A hand-made roster with the mistakes the preview is there to catch."""
    good = make_id("320102", date(1990, 3, 8), 901)
    bad_check_digit = good[:-1] + ("1" if good[-1] != "1" else "2")
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "证件类型", "证件号码", "手机号", "岗位类别", "用工形式", "作业类别", "操作项目", "入职日期"])
    ws.append(["陈志远", "居民身份证", good, "13912345678", "其他从业人员", "正式", "", "", "2025-03-01"])
    ws.append(["刘海燕", "居民身份证", bad_check_digit, "13912345679", "其他从业人员", "正式", "", "", "2025-03-01"])
    ws.append(
        [
            "马国强",
            "居民身份证",
            make_id("320102", date(1988, 7, 1), 903),
            "1391234",
            "特种作业人员",
            "劳务派遣",
            "",
            "",
            "2025-03-02",
        ]
    )
    ws.append(["孙丽", "居民身份证", good, "", "其他从业人员", "临时工", "", "", "2025/3/5"])
    ws.append(
        ["周杰", "居民身份证", make_id("320102", date(1992, 1, 9), 905), "", "班组长", "正式", "", "", "2025年13月1日"]
    )
    wb.save(path)
    return str(path)


def log_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def test_screenshots(page, phone_page, demo, tmp_path):
    page.goto("/login")
    expect(page.locator("#username")).to_be_visible()
    shoot(page, "login.png")

    log_in(page, "enterprise")
    expect(page.locator("h1")).to_have_text("金陵化工有限公司")
    expect(page.get_by_test_id("staff-total")).to_have_text("30")
    shoot(page, "enterprise-home.png")

    page.get_by_role("navigation").get_by_role("link", name="一人一档").click()
    expect(page.get_by_test_id("roster").locator("tbody tr")).to_have_count(30)
    shoot(page, "roster.png")

    page.get_by_role("navigation").get_by_role("link", name="导入花名册").click()
    page.set_input_files("#file", roster_with_mistakes(tmp_path / "花名册-2025年3月.xlsx"))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_test_id("import-errors-summary")).to_contain_text("未导入任何数据")
    shoot(page, "import-preview-errors.png")

    page.get_by_role("navigation").get_by_role("link", name="一人一档").click()
    page.get_by_test_id("roster").get_by_role("link", name="王建国").click()
    expect(page.get_by_test_id("person-name")).to_have_text("王建国")
    shoot(page, "person-file.png")

    page.get_by_role("link", name="查看完整时间线").click()
    expect(page.get_by_test_id("chain-status")).to_contain_text("校验通过")
    shoot(page, "timeline.png")

    page.context.clear_cookies()
    log_in(page, "regulator")
    page.get_by_role("navigation").get_by_role("link", name="辖区企业").click()
    enterprises = page.get_by_test_id("enterprises")
    expect(enterprises).to_contain_text("金陵化工有限公司")
    expect(enterprises).to_contain_text("秦淮机械制造有限公司")
    expect(enterprises).not_to_contain_text("姑苏烟花爆竹经营有限公司")  # 苏州市, not 南京市
    shoot(page, "regulator-enterprises.png")

    page.get_by_role("navigation").get_by_role("link", name="逢查必考").click()
    page.get_by_test_id("inspections").get_by_role("link").first.click()
    expect(page.get_by_test_id("inspection-status")).to_have_text("已结束")
    shoot(page, "spotcheck-inspection.png")

    page.goto("/spotchecks/stats")
    expect(page.get_by_test_id("missed-topics")).to_be_visible()
    shoot(page, "spotcheck-stats.png")

    # the 一人一档 dossier of the person who failed the spot check: header, history, timeline in words
    finding = db.session.scalars(sa.select(Finding)).one()
    page.goto(f"/people/{finding.person_id}")
    expect(page.get_by_test_id("spotcheck-history")).to_contain_text("不合格")
    expect(page.get_by_test_id("chain-status")).to_contain_text("校验通过")
    shoot(page, "dossier.png")

    page.context.clear_cookies()
    log_in(page, "admin")
    page.get_by_role("navigation").get_by_role("link", name="题库").click()
    page.get_by_test_id("banks").get_by_role("link", name=DEMO_BANK).first.click()
    expect(page.get_by_test_id("questions").locator("tbody tr")).to_have_count(50)
    shoot(page, "bank-questions.png", full_page=False)  # the first screen of 50 rows

    page.get_by_role("navigation").get_by_role("link", name="组卷规则").click()
    page.get_by_test_id("templates").get_by_role("link", name=EXAM_TEMPLATE).click()
    page.get_by_role("button", name="检查题量").click()
    expect(page.get_by_test_id("availability")).to_contain_text("充足")
    shoot(page, "paper-template.png")

    page.context.clear_cookies()
    log_in(page, "enterprise")
    page.get_by_role("navigation").get_by_role("link", name="考试场次").click()
    page.get_by_test_id("sittings").get_by_role("link").first.click()
    expect(page.get_by_test_id("board-row")).to_have_count(4)
    shoot(page, "exam-board.png")

    page.get_by_role("navigation").get_by_role("link", name="整改清单").click()
    expect(page.get_by_test_id("findings").locator("tbody tr")).to_have_count(1)
    shoot(page, "findings.png")

    log_in(phone_page, "enterprise")
    phone_page.goto("/people/")
    expect(phone_page.get_by_test_id("roster").locator("tbody tr")).to_have_count(30)
    assert phone_page.evaluate("window.innerWidth") == 390
    shoot(phone_page, "phone-roster.png")

    phone_page.context.clear_cookies()
    log_in(phone_page, "worker")
    expect(phone_page.get_by_test_id("my-exams").get_by_role("button", name="开始考试")).to_be_enabled()
    shoot(phone_page, "worker-home-phone.png")
    phone_page.once("dialog", lambda dialog: dialog.accept())
    phone_page.get_by_test_id("my-exams").get_by_role("button", name="开始考试").click()
    phone_page.get_by_test_id("question").first.wait_for()
    phone_page.locator("#q-0 input[value='0']").check()
    phone_page.get_by_test_id("next").click()
    phone_page.locator("#q-1 input[value='1']").check()
    expect(phone_page.get_by_test_id("save-status")).to_have_text("已保存")  # no string eval: the page has a CSP
    expect(phone_page.locator(".qmap-item.answered")).to_have_count(2)
    shoot(phone_page, "exam-phone.png", full_page=False)  # a sticky header: the screen as the candidate sees it
    phone_page.get_by_test_id("qmap-toggle").click()
    expect(phone_page.get_by_test_id("qmap")).to_be_visible()
    phone_page.wait_for_timeout(300)  # the sheet slides up
    shoot(phone_page, "exam-phone-map.png", full_page=False)
