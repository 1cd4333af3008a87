"""Studying on a phone: a video lesson and a PDF lesson, each checked against the time the learner really studied.

The server credits what it measured; the test measures too (a monotonic clock around the clicks) and compares. The
tolerances, and why:

* video: the page reports at play, at the pause and at the end, so every watched stretch ends in a report and is
  credited; a stretch earns its whole seconds (the fraction carries to the next) and at most its position's
  advance plus one second. Credited = watched within 1 s per stretch, and never more than the test saw pass.
* PDF: a stretch counts only with a sign of presence; the time between a "还在学习吗？" prompt and its answer is not
  credited, nor the last stretch not yet reported when the test reads the figure (less than one beat), so credited
  ≥ visible time − (prompt time + one beat + 1 s), and never more than the visible time.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect
from weasyprint import HTML

from app.core.clock import local_today
from app.extensions import db
from app.training import classes, courses
from app.training.models import ClassMode, LessonKind, StudyCredit, TrainingType
from tests.training.conftest import SHORT_MP4

#: A three-page handout, in Chinese, as institutions upload them (rendered here, fonts embedded).
HANDOUT = "".join(
    f'<section style="page-break-after: always"><h1>第{n}章 动火作业</h1>'
    + "<p>动火作业前必须办理动火作业许可证，清除周围易燃物，配备灭火器材，专人监护。</p>" * 12
    + "</section>"
    for n in (1, 2, 3)
)


def stored(person) -> int:
    db.session.rollback()
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(StudyCredit.seconds), 0)).where(StudyCredit.person_id == person.id)
        )
    )


def credited(page) -> int:
    return int(page.get_by_test_id("credited").get_attribute("data-seconds"))


def until(page, check, seconds: float = 10) -> None:
    """Poll ``check()`` (the page's CSP forbids the eval that ``wait_for_function`` needs)."""
    end = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < end, "timed out"
        page.wait_for_timeout(100)


def test_a_learner_studies_a_video_and_a_pdf_on_a_phone_and_is_credited_what_they_studied(
    factory, phone_page, log_in, app, monkeypatch
):
    enterprise = factory.enterprise(name="玄武化工有限公司")
    admin = factory.enterprise_admin(enterprise)
    person = factory.employ(enterprise, name="王大锤", actor=admin).person
    worker = factory.worker(person)
    course = courses.create_course(title="年度再培训", training_type=TrainingType.ANNUAL, actor=admin)
    video = courses.add_lesson(
        course, title="动火作业事故案例", kind=LessonKind.VIDEO, upload=courses.Upload("case.mp4", SHORT_MP4)
    )
    handout = courses.add_lesson(
        course,
        title="动火作业讲义",
        kind=LessonKind.PDF,
        duration_minutes=5,
        upload=courses.Upload("handout.pdf", HTML(string=HANDOUT).write_pdf()),
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
    assert video.duration_seconds == 12  # read from the file
    page = phone_page
    log_in(page, worker.username)
    status = page.get_by_test_id("study-status")

    # ---- the video: 12 s, no timer beat while it plays (30 s): the pause and the end report what was watched
    page.goto(f"/training/mine/{training_class.id}/lessons/{video.id}")
    player = page.locator("#study-video")
    expect(player).to_have_js_property("readyState", 4)
    page.wait_for_timeout(500)  # the first report placed the clock
    page.evaluate("document.getElementById('study-video').play()")
    played = time.monotonic()
    page.wait_for_timeout(5000)
    page.evaluate("document.getElementById('study-video').pause()")
    # what was watched: the position the video reached (on a busy machine it plays slower than the wall clock)
    first = min(page.evaluate("document.getElementById('study-video').currentTime"), time.monotonic() - played)
    expect(status).to_contain_text("暂停")
    until(page, lambda: credited(page) > 0)
    assert abs(credited(page) - first) <= 1  # the pause credited the watched part, not nothing
    page.wait_for_timeout(2000)  # paused: nothing accrues
    page.evaluate("document.getElementById('study-video').playbackRate = 2")  # held at the platform's 1×
    assert page.evaluate("document.getElementById('study-video').playbackRate") == 1
    page.evaluate("document.getElementById('study-video').play()")
    resumed = time.monotonic()
    until(page, lambda: page.evaluate("document.getElementById('study-video').ended"), 20)
    second = time.monotonic() - resumed
    until(page, lambda: credited(page) >= 11)
    watched = first + second
    assert 11 <= credited(page) <= min(12, watched + 1)  # the last partial stretch, reported by the end
    assert stored(person) == credited(page)

    # ---- the PDF: drawn inside the page; it earns while the learner turns pages, a quiet spell brings the prompt
    monkeypatch.setitem(app.config, "TRAINING_HEARTBEAT_SECONDS", 3)
    before = stored(person)
    page.goto(f"/training/mine/{training_class.id}/lessons/{handout.id}")
    opened = time.monotonic()  # the page's first report placed the clock about now
    view = page.get_by_test_id("pdf-view")
    for _ in range(4):  # scroll in every 3-s stretch while the handout appears …
        page.wait_for_timeout(1500)
        page.mouse.wheel(0, 150)
    expect(view).to_have_attribute("data-ready", "yes")
    expect(page.get_by_test_id("pdf-page")).to_have_text(re.compile(r"第 [12] / 3 页"))
    expect(page.locator("[data-testid=pdf-page-1][data-drawn=yes] canvas")).to_have_count(1)
    for _ in range(4):  # … then turn the pages
        page.locator("#pdf-next").click()
        page.wait_for_timeout(1500)
    expect(page.get_by_test_id("pdf-page")).to_have_text("第 3 / 3 页")
    expect(page.locator("[data-testid=pdf-page-3][data-drawn=yes] canvas")).to_be_visible()
    studied = time.monotonic() - opened
    reading = credited(page)
    assert studied - 3 - 1 <= reading <= studied
    # now the learner only reads: a quiet stretch, and the server asks
    prompt = page.get_by_test_id("study-prompt")
    expect(prompt).to_be_visible(timeout=10_000)
    asked = time.monotonic()
    expect(status).to_contain_text("还在学习吗")
    held = credited(page)
    page.wait_for_timeout(3500)
    assert credited(page) == held  # the clock holds while the prompt is open
    page.get_by_test_id("study-prompt-answer").click()
    answered = time.monotonic()
    expect(prompt).to_be_hidden()
    until(page, lambda: credited(page) > held)
    visible = answered - opened
    on_prompt = answered - asked
    total = credited(page)
    assert visible - on_prompt - 3 - 1 <= total <= visible
    assert stored(person) - before == total

    page.goto(f"/training/mine/{training_class.id}")
    assert "网络学习" in page.get_by_test_id("class-hours").inner_text()
