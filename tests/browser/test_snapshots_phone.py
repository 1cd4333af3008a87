"""人像抓拍 on a phone with a (fake) camera: the learner consents, the page takes the start snapshot — checked by the
real face detector — and studies for a measured time, and the learner sees the credited time; the organiser then sees
the snapshot beside the registered photo. A camera that shows no face, a page that is hidden, an upload that fails and
a camera that may not be used each end in a clear state with a 重拍 button, never on "正在人像抓拍…". The exam page
takes its start snapshot after consent.

Chromium runs with ``--use-fake-device-for-media-stream --use-fake-ui-for-media-stream`` (the permission prompt is
answered "allow"). By itself its fake camera shows a test pattern — a green disc and a running clock, no face —
so the main camera here plays a file instead (``--use-file-for-fake-video-capture``): the astronaut that
scikit-image ships, in a 640 × 480 room (tests/pictures.py).
"""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import request_started, request_tearing_down
from playwright.sync_api import expect

from app.core.clock import local_today
from app.extensions import db
from app.people import photos
from app.people.models import Snapshot, SnapshotContext
from app.training import classes, courses
from app.training.models import ClassMode, LessonKind, StudyCredit, TrainingType
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, TIMEOUT_MS, assert_image_shown
from tests.exams.conftest import a_candidate
from tests.pictures import ASTRONAUT, frame, png, y4m

FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def camera_browser(browser, tmp_path_factory):
    """A second Chromium whose fake camera shows a face, launched by the suite's Playwright (one per process)."""
    video = tmp_path_factory.mktemp("camera") / "astronaut.y4m"
    y4m([frame(ASTRONAUT)], video)
    args = CHROMIUM_ARGS + FAKE_CAMERA + [f"--use-file-for-fake-video-capture={video}"]
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=args)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="module")
def pattern_browser(browser):
    """A Chromium with the fake camera's own test pattern (no face in it), whose permission prompt is not answered
    for the page: a context that was not granted the camera is refused it."""
    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream"]
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=args)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(autouse=True)
def _quiet_server(app, monkeypatch, _clean_database):
    """After each test, wait until the live server has answered every request its pages sent: a page's last
    automatic retake, still being handled, would otherwise store a snapshot after this test's settings (the face
    detector) were undone and its rows emptied — into the next test (SQLite reuses ids). Set up after
    ``monkeypatch`` and the database clean-up, so torn down before them."""
    lock, flight = threading.Lock(), [0]

    def started(sender, **extra):
        with lock:
            flight[0] += 1

    def finished(sender, **extra):
        with lock:
            flight[0] -= 1

    request_started.connect(started, app)
    request_tearing_down.connect(finished, app)
    try:
        yield
        quiet_since, deadline = None, time.monotonic() + 15
        while time.monotonic() < deadline:
            if flight[0] > 0:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > 0.5:
                break
            time.sleep(0.05)
    finally:
        request_started.disconnect(started, app)
        request_tearing_down.disconnect(finished, app)


#: The learner is at the page, reading: the lesson here is text, which earns only while the learner shows they are
#: there (docs/study-time.md), and these tests are about the snapshots, not about that.
READING = "setInterval(() => document.dispatchEvent(new Event('anpei:activity')), 400)"


def _page(camera_browser, live_server, options):
    context = camera_browser.new_context(base_url=live_server, **options)
    context.add_init_script(READING)
    context.grant_permissions(["camera"])
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def _learner(factory, app, monkeypatch):
    """A worker with a registered photo (a real face, through the real detector) enrolled in a running online class
    of one 5-minute text lesson; 人像抓拍 required, heartbeats every 2 s. Returns (admin, person, worker, class)."""
    monkeypatch.setitem(app.config, "TRAINING_HEARTBEAT_SECONDS", 2)
    monkeypatch.setitem(app.config, "SNAPSHOTS_LESSONS", True)
    monkeypatch.setitem(app.config, "SNAPSHOTS_PER_LESSON", 3)
    monkeypatch.setitem(app.config, "FACE_DETECTOR", "dlib")
    enterprise = factory.enterprise(name="玄武化工有限公司")
    admin = factory.enterprise_admin(enterprise)
    person = factory.employ(enterprise, name="王大锤", actor=admin).person
    photos.set_photo(person, png(ASTRONAUT), actor=admin, max_bytes=8 << 20)
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
    return admin, person, worker, training_class


def _open_lesson(page, log_in, worker) -> None:
    log_in(page, worker.username)
    page.goto("/training/mine")
    page.get_by_test_id("my-class").click()
    page.get_by_role("link", name="安全生产法要点").click()


def _stored_snapshots(person) -> list[Snapshot]:
    db.session.rollback()
    return db.session.scalars(sa.select(Snapshot).where(Snapshot.person_id == person.id)).all()


def test_a_learner_consents_studies_on_a_phone_with_snapshots_and_sees_the_credited_time(
    factory, camera_browser, live_server, log_in, app, monkeypatch
):
    admin, person, worker, training_class = _learner(factory, app, monkeypatch)
    context, page = _page(camera_browser, live_server, PHONE)
    try:
        _open_lesson(page, log_in, worker)
        consent = page.get_by_test_id("snapshot-consent")
        expect(consent).to_contain_text("人像抓拍授权")
        expect(consent.get_by_test_id("snapshot-checks")).to_contain_text("只检测有无人脸，不识别身份")
        expect(page.get_by_test_id("study-status")).to_have_text("请先回应人像抓拍授权，之后开始计时")
        page.get_by_test_id("snapshot-agree").click()
        expect(page.get_by_test_id("snapshot-consent")).to_have_count(0)
        opened = time.monotonic()
        expect(page.get_by_test_id("snapshot-camera")).to_be_visible()  # the learner sees the camera is on
        expect(page.get_by_test_id("snapshot-status")).to_have_text("已抓拍")  # the detector found one face
        expect(page.get_by_test_id("snapshot-retry")).to_be_hidden()
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
        assert shots[0].face_detector == "dlib"
        page.goto(f"/training/mine/{training_class.id}")  # the learner's own snapshots, on the class page
        own = page.get_by_test_id("own-snapshots")
        expect(own.get_by_role("heading")).to_have_text("我的人像抓拍")
        expect(own.get_by_test_id("own-snapshot")).to_contain_text("安全生产法要点")
        assert_image_shown(page, '[data-testid="own-snapshots"] img')
    finally:
        context.close()

    context, page = _page(camera_browser, live_server, DESKTOP)
    try:
        log_in(page, admin.username)
        page.goto(f"/training/classes/{training_class.id}")
        page.get_by_test_id("snapshot-cell").get_by_role("link").click()
        expect(page.get_by_role("heading", name="王大锤 · 人像抓拍")).to_be_visible()
        assert_image_shown(page, '[data-testid="registered-photo"] img')
        assert_image_shown(page, '[data-testid="snapshot"] img')
    finally:
        context.close()
    db.session.commit()


#: Run before the page's scripts: ``window.anpeiHide(true|false)`` makes the page hidden or visible again, as a phone
#: does when the learner switches apps (headless Chromium's page is always visible).
HIDING = """
(() => {
  let hidden = sessionStorage.getItem('anpei-hidden') === '1';  // kept across the page's reloads
  Object.defineProperty(document, 'visibilityState', { get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(document, 'hidden', { get: () => hidden });
  window.anpeiHide = (value) => {
    hidden = value;
    sessionStorage.setItem('anpei-hidden', value ? '1' : '0');
    document.dispatchEvent(new Event('visibilitychange'));
  };
})();
"""


def test_no_snapshot_while_hidden_and_a_failed_upload_is_retaken_with_the_button(
    factory, camera_browser, live_server, log_in, app, monkeypatch
):
    _admin, person, worker, _class = _learner(factory, app, monkeypatch)
    context, page = _page(camera_browser, live_server, PHONE)
    context.add_init_script(HIDING)
    try:
        _open_lesson(page, log_in, worker)
        page.evaluate("window.anpeiHide(true)")  # the learner switches away before the page asks for the camera
        page.get_by_test_id("snapshot-agree").click()  # (the page reloads, still hidden)
        expect(page.get_by_test_id("snapshot-line")).to_be_attached()
        page.wait_for_timeout(3000)  # the start snapshot is due, heartbeats go on: nothing is taken while hidden
        assert _stored_snapshots(person) == []
        expect(page.get_by_test_id("snapshot-camera")).to_have_count(0)  # the camera was never switched on
        status, retry = page.get_by_test_id("snapshot-status"), page.get_by_test_id("snapshot-retry")
        expect(status).not_to_have_text("正在人像抓拍…")

        page.route("**/snapshot", lambda route: route.abort())  # the network drops the upload
        page.evaluate("window.anpeiHide(false)")  # back on the page: the waiting snapshot is taken now
        expect(status).to_have_text("抓拍上传失败：请检查网络后点“重拍”")
        expect(retry).to_be_visible()
        assert _stored_snapshots(person) == []
        expect(page.get_by_test_id("study-status")).to_have_text("未完成人像抓拍，暂停计时")

        page.unroute("**/snapshot")
        retry.click()
        expect(status).to_have_text("已抓拍")
        expect(retry).to_be_hidden()
        expect(page.get_by_test_id("study-status")).to_have_text("学习中，计时有效")
        assert len(_stored_snapshots(person)) == 1
    finally:
        context.close()
    db.session.commit()


def test_a_camera_without_a_face_is_refused_with_the_reason_and_a_retake(
    factory, pattern_browser, live_server, log_in, app, monkeypatch
):
    """Chromium's own fake camera (a green disc and a clock): the real detector finds no face."""
    _admin, person, worker, _class = _learner(factory, app, monkeypatch)
    context, page = _page(pattern_browser, live_server, PHONE)
    try:
        _open_lesson(page, log_in, worker)
        page.get_by_test_id("snapshot-agree").click()
        status, retry = page.get_by_test_id("snapshot-status"), page.get_by_test_id("snapshot-retry")
        expect(status).to_have_text("没有拍到人脸：请正对摄像头、保持光线充足，然后重拍。")
        expect(retry).to_be_visible()
        expect(page.get_by_test_id("study-status")).to_have_text("未完成人像抓拍，暂停计时")
        with page.expect_response("**/snapshot") as retaken:
            retry.click()  # the learner tries again: the same answer, not a page stuck on "正在人像抓拍…"
        assert retaken.value.status == 422
        expect(status).to_have_text("没有拍到人脸：请正对摄像头、保持光线充足，然后重拍。")
        assert _stored_snapshots(person) == []
        assert page.get_by_test_id("credited").get_attribute("data-seconds") == "0"
    finally:
        context.close()
    db.session.commit()


def test_a_camera_the_page_may_not_use_or_none_at_all_is_said_with_a_retake(
    factory, pattern_browser, browser, live_server, log_in, app, monkeypatch
):
    _admin, person, worker, _class = _learner(factory, app, monkeypatch)
    for chromium, said in (
        (pattern_browser, "无法使用摄像头：请在浏览器设置中允许本页面使用摄像头，然后点“重拍”"),  # permission refused
        (browser, "没有找到摄像头：请接上摄像头或换用带前置摄像头的手机，然后点“重拍”"),  # no camera at all
    ):
        context = chromium.new_context(base_url=live_server, **PHONE)  # the camera not granted
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        try:
            _open_lesson(page, log_in, worker)
            if chromium is pattern_browser:  # the first page: the consent step (the second has the answer)
                page.get_by_test_id("snapshot-agree").click()
            expect(page.get_by_test_id("snapshot-status")).to_have_text(said)
            expect(page.get_by_test_id("snapshot-retry")).to_be_visible()
            assert _stored_snapshots(person) == []
        finally:
            context.close()
    db.session.commit()


def test_the_exam_page_takes_its_start_snapshot_after_consent(
    factory, camera_browser, live_server, log_in, app, monkeypatch
):
    monkeypatch.setitem(app.config, "SNAPSHOTS_EXAMS", True)
    worker, person, _sitting = a_candidate(factory)

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
