"""Studying a lesson on a phone: the page reports every few seconds, the server credits the time it measured, and
the learner sees the credited time grow — and never more than really passed."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from app.core.clock import local_today
from app.extensions import db
from app.training import classes, courses
from app.training.models import ClassMode, LessonKind, StudyCredit, TrainingType


def test_a_learner_studies_a_lesson_on_a_phone_and_sees_the_credited_time(
    factory, phone_page, log_in, app, monkeypatch
):
    monkeypatch.setitem(app.config, "TRAINING_HEARTBEAT_SECONDS", 2)
    enterprise = factory.enterprise(name="玄武化工有限公司")
    admin = factory.enterprise_admin(enterprise)
    person = factory.employ(enterprise, name="王大锤", actor=admin).person
    worker = factory.worker(person)
    course = courses.create_course(title="年度再培训", training_type=TrainingType.ANNUAL, actor=admin)
    courses.add_lesson(
        course, title="安全生产法要点", kind=LessonKind.TEXT, duration_minutes=5, body="第一条 为了加强安全生产工作……"
    )
    today = local_today()
    training_class = classes.create_class(
        course=course,
        title="2026 年度再培训",
        mode=ClassMode.ONLINE,
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=30),
        required_hours=0.5,
        actor=admin,
    )
    classes.enrol(training_class, [person.id], actor=admin)
    factory.commit()

    page = phone_page
    log_in(page, worker.username)
    page.goto("/training/mine")
    page.get_by_test_id("my-class").click()
    page.get_by_role("link", name="安全生产法要点").click()
    opened = time.monotonic()
    status = page.get_by_test_id("study-status")
    expect(status).to_contain_text("学习中")
    credited = page.get_by_test_id("credited")
    shown = 0
    while shown < 6 and time.monotonic() - opened < 20:  # the page's own heartbeats, every 2 s here
        page.wait_for_timeout(500)
        shown = int(credited.get_attribute("data-seconds"))
    elapsed = time.monotonic() - opened
    assert re.fullmatch(r"已计学时 0 分 \d+ 秒", credited.inner_text())
    assert "学习中，计时有效" in status.inner_text()
    assert 6 <= shown <= elapsed + 1  # never more than really passed
    db.session.rollback()
    stored = db.session.scalar(sa.select(sa.func.sum(StudyCredit.seconds)).where(StudyCredit.person_id == person.id))
    assert stored >= shown

    page.goto(f"/training/mine/{training_class.id}")
    assert "网络学习 0 分钟" in page.get_by_test_id("class-hours").inner_text()
    assert "还差" in page.get_by_test_id("class-hours").inner_text()
