"""The foundation through a real browser: log in, import a roster (rejected, then accepted), open the files.

Every form is the real one, CSRF token included; the database is checked directly where the page alone
could hide a half-done import.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from playwright.sync_api import expect

from app.extensions import db
from app.people.models import Employment, Person
from tests.factories import make_id_number

HEADER = ["姓名", "证件类型", "证件号码", "手机号", "岗位类别", "用工形式", "作业类别", "操作项目", "入职日期"]
NAMES = ["赵一鸣", "钱二娟", "孙三强"]


@pytest.fixture
def nanjing(factory):
    """南京市 ─ 玄武区 with one enterprise, its admin and a city regulator, committed for the server thread."""
    city = factory.jurisdiction("320100", "南京市")
    factory.jurisdiction("320102", "玄武区", parent=city)
    enterprise = factory.enterprise(name="玄武化工有限公司", region="320102")
    admin = factory.enterprise_admin(enterprise)
    regulator = factory.regulator("320100")
    factory.commit()
    return enterprise, admin, regulator


def write_roster(path, ids: list[str]) -> str:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append([NAMES[0], "居民身份证", ids[0], "13900000001", "主要负责人", "正式", "", "", "2024-03-01"])
    ws.append([NAMES[1], "居民身份证", ids[1], "13900000002", "特种作业人员", "劳务派遣", "1", "1.2", "2024-03-02"])
    ws.append([NAMES[2], "居民身份证", ids[2], "", "其他从业人员", "", "", "", "2024-03-03"])
    wb.save(path)
    return str(path)


def wrong_check_digit(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def count(model, **where) -> int:
    db.session.rollback()  # no stale transaction: read what the server thread committed
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**where))


def test_enterprise_admin_imports_roster_all_or_nothing(page, log_in, nanjing, tmp_path):
    enterprise, admin, _ = nanjing
    ids = [make_id_number("320102", date(1980 + i, 5, 6)) for i in range(3)]

    log_in(page, admin.username)
    expect(page.locator("h1")).to_have_text(enterprise.name)
    page.get_by_role("navigation").get_by_role("link", name="导入花名册").click()
    expect(page.locator("h1")).to_contain_text("导入花名册")

    # Row 3 of the sheet (header = row 1) carries a wrong check digit: the whole file is refused.
    bad = write_roster(tmp_path / "roster-bad.xlsx", [ids[0], wrong_check_digit(ids[1]), ids[2]])
    page.set_input_files("#file", bad)
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_test_id("import-errors-summary")).to_contain_text("未导入任何数据")
    errors = page.get_by_test_id("import-errors")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors).to_contain_text("第 3 行")
    expect(errors).to_contain_text("证件号码")
    expect(errors).to_contain_text("校验位错误")
    expect(page.get_by_role("button", name=re.compile("确认导入"))).to_have_count(0)
    assert count(Person) == 0
    assert count(Employment, enterprise_id=enterprise.id) == 0

    # Fixed file: every row passes, confirming imports all three at once.
    page.get_by_role("link", name="重新上传").click()
    page.set_input_files("#file", write_roster(tmp_path / "roster-fixed.xlsx", ids))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_test_id("import-ok")).to_contain_text("全部 3 行校验通过")
    assert count(Person) == 0  # the preview stores nothing yet
    page.get_by_role("button", name="确认导入 3 人").click()

    page.wait_for_url(re.compile(r"/people/(\?.*)?$"))
    expect(page.locator(".flash.success")).to_contain_text("已导入 3 人")
    roster = page.get_by_test_id("roster")
    for name in NAMES:
        expect(roster.get_by_role("link", name=name)).to_be_visible()
    expect(roster).not_to_contain_text(ids[0])  # masked on the roster
    assert count(Employment, enterprise_id=enterprise.id) == 3

    roster.get_by_role("link", name=NAMES[1]).click()
    expect(page.get_by_test_id("person-name")).to_have_text(NAMES[1])
    events = page.get_by_test_id("timeline")
    expect(events).to_contain_text("入职")
    expect(events).to_contain_text("花名册导入 roster-fixed.xlsx")
    expect(page.get_by_test_id("employments")).to_contain_text(enterprise.name)

    page.get_by_role("link", name="查看完整时间线").click()
    expect(page.get_by_test_id("chain-status")).to_contain_text("校验通过")
    expect(page.get_by_test_id("timeline")).to_contain_text("建档")


def test_regulator_sees_enterprises_in_jurisdiction_and_their_roster(page, log_in, nanjing, factory):
    enterprise, admin, regulator = nanjing
    elsewhere = factory.enterprise(name="虎丘烟花有限公司", region="320505")  # 苏州: outside 南京市
    factory.employ(enterprise, name="周建军", actor=admin)
    factory.employ(elsewhere, name="吴小妹")
    factory.commit()

    log_in(page, regulator.username)
    page.get_by_role("navigation").get_by_role("link", name="辖区企业").click()
    expect(page.locator("h1")).to_have_text("辖区企业")
    table = page.get_by_test_id("enterprises")
    expect(table).to_contain_text(enterprise.name)
    expect(table).not_to_contain_text(elsewhere.name)

    table.get_by_role("link", name=enterprise.name).click()
    expect(page.locator("h1")).to_have_text(enterprise.name)
    page.get_by_role("link", name="查看花名册").click()
    expect(page.locator("h1")).to_contain_text(enterprise.name)
    roster = page.get_by_test_id("roster")
    expect(roster.get_by_role("link", name="周建军")).to_be_visible()
    expect(roster).not_to_contain_text("吴小妹")
    expect(page.get_by_role("link", name="导入花名册")).to_have_count(0)  # regulators read, they do not edit


def test_worker_sees_own_file(page, log_in, nanjing, factory):
    enterprise, admin, _ = nanjing
    person = factory.employ(enterprise, name="王大锤", actor=admin).person
    factory.employ(enterprise, name="李四海", actor=admin)
    worker = factory.worker(person)
    factory.commit()

    log_in(page, worker.username)
    expect(page.locator("h1")).to_contain_text("王大锤")
    page.get_by_role("link", name="我的档案").first.click()
    expect(page.get_by_test_id("person-name")).to_have_text("王大锤")
    expect(page.locator("main")).to_contain_text(enterprise.name)
    expect(page.get_by_test_id("timeline")).to_contain_text("入职")
    expect(page.get_by_role("navigation").get_by_role("link", name="一人一档")).to_have_count(0)
    assert page.goto("/people/").status == 403  # a worker has no roster


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_phone_pages_do_not_scroll_sideways(phone_page, log_in, nanjing, factory):
    enterprise, admin, _ = nanjing
    person = factory.employ(enterprise, name="欧阳建华", actor=admin).person
    for name in ("司马光明", "诸葛亮亮", "上官婉儿"):
        factory.employ(enterprise, name=name, actor=admin)
    factory.commit()

    log_in(phone_page, admin.username)
    for path in ("/", "/people/", f"/people/{person.id}", f"/people/{person.id}/timeline", "/people/import"):
        phone_page.goto(path)
        assert horizontal_overflow(phone_page) <= 1, f"{path} scrolls sideways on a 390 px phone"
    phone_page.goto("/people/")
    expect(phone_page.get_by_test_id("roster").get_by_role("link", name="欧阳建华")).to_be_visible()


def test_forms_need_their_csrf_token(page, nanjing):
    _, admin, _ = nanjing
    page.goto("/login")
    expect(page.locator("form.stack input[name=csrf_token]")).to_have_count(1)
    forged = page.request.post("/login", form={"username": admin.username, "password": "pw"}, max_redirects=0)
    assert forged.status != 302  # no token, no login
    page.goto("/")
    assert "/login" in page.url


def test_language_switch(page, log_in, nanjing):
    _, admin, _ = nanjing
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    log_in(page, admin.username)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert urlsplit(page.url).path == "/"  # back on the page the switch was clicked on
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_language_switch_offers_only_the_other_language(page):
    page.goto("/login")
    expect(page.get_by_role("button", name="English")).to_have_count(1)
    expect(page.get_by_role("button", name="中文")).to_have_count(0, timeout=1000)
