"""人像抓拍 on a phone with a (fake) camera: the learner consents, the page takes the start snapshot and studies for a
measured time, and the learner sees the credited time; the organiser then sees the snapshot beside the registered
photo. The exam page takes its start snapshot after consent.

Chromium runs with ``--use-fake-device-for-media-stream --use-fake-ui-for-media-stream``: a generated test pattern
stands in for the camera, and the permission prompt is answered "allow".
"""

from __future__ import annotations

import io
import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from app.core.clock import local_today
from app.extensions import db
from app.people import photos
from app.people.models import Snapshot, SnapshotContext
from app.training import classes, courses
from app.training.models import ClassMode, LessonKind, StudyCredit, TrainingType
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, TIMEOUT_MS
from tests.exams.conftest import make_sitting, make_template

FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def camera_browser(browser):
    """A second Chromium with the fake camera, launched by the suite's Playwright (one per process)."""
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + FAKE_CAMERA)
    try:
        yield chromium
    finally:
        chromium.close()


def _page(camera_browser, live_server, options):
    context = camera_browser.new_context(base_url=live_server, **options)
    context.grant_permissions(["camera"])
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), (200, 180, 160)).save(out, "JPEG")
    return out.getvalue()


def test_a_learner_consents_studies_on_a_phone_with_snapshots_and_sees_the_credited_time(
    factory, camera_browser, live_server, log_in, app, monkeypatch
):
    monkeypatch.setitem(app.config, "TRAINING_HEARTBEAT_SECONDS", 2)
    monkeypatch.setitem(app.config, "SNAPSHOTS_LESSONS", True)
    monkeypatch.setitem(app.config, "SNAPSHOTS_PER_LESSON", 3)
    enterprise = factory.enterprise(name="玄武化工有限公司")
    admin = factory.enterprise_admin(enterprise)
    person = factory.employ(enterprise, name="王大锤", actor=admin).person
    photos.set_photo(person, _photo(), actor=admin, max_bytes=1 << 20)
    worker = factory.worker(person)
    course = courses.create_course(title="年度再培训", training_type=TrainingType.ANNUAL, actor=admin)
    courses.add_lesson(course, title="安全生产法要点", kind=LessonKind.TEXT, duration_minutes=5, body="第一条……")
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

    context, page = _page(camera_browser, live_server, PHONE)
    try:
        log_in(page, worker.username)
        page.goto("/training/mine")
        page.get_by_test_id("my-class").click()
        page.get_by_role("link", name="安全生产法要点").click()
        consent = page.get_by_test_id("snapshot-consent")
        expect(consent).to_contain_text("人像抓拍授权")
        expect(page.get_by_test_id("study-status")).to_have_text("请先回应人像抓拍授权，之后开始计时")
        page.get_by_test_id("snapshot-agree").click()
        expect(page.get_by_test_id("snapshot-consent")).to_have_count(0)
        opened = time.monotonic()
        expect(page.get_by_test_id("snapshot-camera")).to_be_visible()  # the learner sees the camera is on
        status = page.get_by_test_id("study-status")
        expect(status).to_have_text("学习中，计时有效")
        credited = page.get_by_test_id("credited")
        shown = 0
        while shown < 6 and time.monotonic() - opened < 20:
            page.wait_for_timeout(500)
            page.mouse.wheel(0, 40)  # the learner reads, scrolling (a text lesson earns only with presence)
            shown = int(credited.get_attribute("data-seconds"))
        elapsed = time.monotonic() - opened
        assert re.fullmatch(r"已计学时 0 分 \d+ 秒", credited.inner_text())
        assert "学习中，计时有效" in status.inner_text()
        assert 6 <= shown <= elapsed + 1
        db.session.rollback()
        stored = db.session.scalar(
            sa.select(sa.func.sum(StudyCredit.seconds)).where(StudyCredit.person_id == person.id)
        )
        assert stored >= shown
        shots = db.session.scalars(sa.select(Snapshot).where(Snapshot.person_id == person.id)).all()
        assert len(shots) == 1 and shots[0].context is SnapshotContext.LESSON  # the start one; the rest come later
        page.goto(f"/training/mine/{training_class.id}")  # the learner's own snapshots, on the class page
        own = page.get_by_test_id("own-snapshots")
        expect(own.get_by_role("heading")).to_have_text("我的人像抓拍")
        expect(own.get_by_test_id("own-snapshot")).to_contain_text("安全生产法要点")
        image = own.locator("img")
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    finally:
        context.close()

    context, page = _page(camera_browser, live_server, DESKTOP)
    try:
        log_in(page, admin.username)
        page.goto(f"/training/classes/{training_class.id}")
        page.get_by_test_id("snapshot-cell").get_by_role("link").click()
        expect(page.get_by_role("heading", name="王大锤 · 人像抓拍")).to_be_visible()
        for selector in ('[data-testid="registered-photo"] img', '[data-testid="snapshot"] img'):
            image = page.locator(selector)
            expect(image).to_be_visible()
            assert image.evaluate("img => img.complete && img.naturalWidth > 0")  # served, and an image
    finally:
        context.close()
    db.session.commit()


def test_the_exam_page_takes_its_start_snapshot_after_consent(
    factory, camera_browser, live_server, log_in, app, monkeypatch
):
    monkeypatch.setitem(app.config, "SNAPSHOTS_EXAMS", True)
    enterprise = factory.enterprise(name="玄武化工有限公司")
    admin = factory.enterprise_admin(enterprise)
    person = factory.employ(enterprise, name="王大锤", actor=admin).person
    worker = factory.worker(person)
    make_sitting(make_template(), admin, [person])
    factory.commit()

    context, page = _page(camera_browser, live_server, PHONE)
    try:
        log_in(page, worker.username)
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_test_id("my-exams").get_by_role("button", name="开始考试").click()
        page.wait_for_url(re.compile(r"/exams/attempts/\d+$"))
        expect(page.get_by_test_id("snapshot-box")).to_contain_text("人像抓拍授权")
        page.get_by_test_id("snapshot-agree").click()
        expect(page.get_by_test_id("snapshot-status")).to_have_text("已抓拍")
        page.get_by_test_id("question").first.wait_for()  # the paper is there as before
        db.session.rollback()
        shot = db.session.scalar(sa.select(Snapshot).where(Snapshot.person_id == person.id))
        assert shot is not None and shot.context is SnapshotContext.EXAM
    finally:
        context.close()
    db.session.commit()
