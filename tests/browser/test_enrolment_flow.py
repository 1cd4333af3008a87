"""Enrolment through a real browser: an enterprise finds its employee and applies to an institution's class, the
institution accepts on its 报名审核 page, and the worker's home then shows 继续学习 with the class's progress."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.auth.models import Role
from app.extensions import db
from app.people.models import Post
from app.training.models import Enrolment
from tests.training.test_enrolment import institution_class


@pytest.fixture
def parties(factory):
    """玄武区: an enterprise with two employees (one a worker with a login) and an institution with a running class."""
    city = factory.jurisdiction("320100", "南京市")
    factory.jurisdiction("320102", "玄武区", parent=city)
    enterprise = factory.enterprise(name="玄武化工有限公司", region="320102")
    admin = factory.enterprise_admin(enterprise)
    worker = factory.employ(enterprise, name="王建国", post=Post.SAFETY_MANAGER, actor=admin).person
    factory.employ(enterprise, name="李晓梅", actor=admin)
    worker_user = factory.worker(worker)
    institution = factory.institution("320102")
    institution_user = factory.user(Role.INSTITUTION, institution_id=institution.id)
    training_class = institution_class(institution_user, "2026 年度安全管理人员再培训班")
    factory.commit()
    return admin, worker, worker_user, institution_user, training_class


def test_enterprise_applies_institution_accepts_worker_continues_learning(page, log_in, parties):
    admin, worker, worker_user, institution_user, training_class = parties

    log_in(page, admin.username)
    page.goto("/training/classes")
    page.get_by_role("link", name=training_class.title).click()
    page.get_by_test_id("apply-link").click()
    page.fill("#q", "建国")
    page.get_by_role("button", name="查找", exact=True).click()
    expect(page.get_by_test_id("pick-person")).to_have_count(1)
    page.get_by_test_id("select-all").check()  # 全选 ticks the one match (static/js/page.js)
    expect(page.get_by_test_id("pick-person")).to_be_checked()
    page.get_by_test_id("pick-submit").click()
    expect(page.locator(".flash.success")).to_contain_text("已提交 1 人的报名申请")
    expect(page.get_by_test_id("my-applications")).to_contain_text("王建国")
    expect(page.get_by_test_id("my-applications")).to_contain_text("待审核")
    expect(page.get_by_test_id("pick-count")).to_have_text(re.compile("可选 1 人"))  # applied: no longer offered

    log_in(page, institution_user.username)
    page.goto(f"/training/classes/{training_class.id}")
    page.get_by_test_id("applicants-link").click()
    row = page.get_by_test_id("applicant").filter(has_text="王建国")
    expect(row).to_contain_text("玄武化工有限公司")
    expect(row).to_contain_text("安全管理人员")
    row.get_by_role("checkbox").check()
    page.get_by_test_id("accept").click()
    expect(page.locator(".flash.success")).to_contain_text("已通过 1 人的报名")
    page.goto(f"/training/classes/{training_class.id}")
    expect(page.get_by_test_id("class-roster")).to_contain_text("王建国")
    db.session.rollback()  # read what the server thread committed
    enrolled = sa.select(Enrolment.person_id).where(Enrolment.class_id == training_class.id)
    assert db.session.scalars(enrolled).all() == [worker.id]

    log_in(page, worker_user.username)
    page.goto("/")
    block = page.get_by_test_id("continuing-class").filter(has_text=training_class.title)
    expect(block.get_by_test_id("continuing-hours")).to_contain_text("已获 0 / 1 学时")
    expect(block.locator("progress")).to_have_attribute("value", "0")
    block.get_by_test_id("continue").click()
    expect(page).to_have_url(re.compile(rf"/training/mine/{training_class.id}/lessons/\d+$"))
    expect(page.locator("h1")).to_contain_text("第一课 安全生产法")
