"""Issue #15, exams: no answers shown while a 补考 is ahead; the attempt log in words; the header names the role once."""

from __future__ import annotations

import re
from datetime import timedelta

from app.core.db import utcnow
from app.exams import makeups
from app.exams.attempts import grading, starting, supervision
from app.extensions import db
from tests.exams.conftest import answer_all


def _failed(exam_world):
    attempt = starting.start_or_resume(exam_world.sitting, exam_world.person.id, ip="10.1.1.1", user_agent="a")
    answer_all(attempt, correct=3)
    grading.submit(attempt)
    db.session.commit()
    assert attempt.passed is False
    return attempt


def test_no_answers_for_the_candidate_while_a_makeup_is_ahead(exam_world, login):
    attempt = _failed(exam_world)
    exam_world.sitting.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = login(exam_world.worker).get(f"/exams/attempts/{attempt.id}/result").get_data(as_text=True)
    assert 'data-testid="review-item"' not in page and "补考结束前不公布答案和解析" in page
    now = utcnow()
    makeups.create_makeup_sitting(
        exam_world.sitting,
        opens_at=now + timedelta(hours=1),
        closes_at=now + timedelta(hours=3),
        actor=exam_world.organiser,
    )
    db.session.commit()
    page = login(exam_world.worker).get(f"/exams/attempts/{attempt.id}/result").get_data(as_text=True)
    assert 'data-testid="review-item"' not in page and "补考结束前不公布答案和解析" in page
    # the organising enterprise only uses the national bank: the score, not the key (app/auth/policy/exams.py)
    page = login(exam_world.organiser).get(f"/exams/attempts/{attempt.id}/result").get_data(as_text=True)
    assert 'data-testid="score"' in page and 'data-testid="review-item"' not in page


def test_attempt_log_reads_in_words(exam_world, login):
    attempt = starting.start_or_resume(exam_world.sitting, exam_world.person.id, ip="10.1.1.1", user_agent="a")
    supervision.record_focus_loss(attempt, kind="hidden")
    starting.start_or_resume(exam_world.sitting, exam_world.person.id, ip="10.9.9.9", user_agent="b")
    supervision.extend_time(attempt, minutes=10, reason="停电", actor=exam_world.organiser)
    db.session.commit()
    page = login(exam_world.organiser).get(f"/exams/attempts/{attempt.id}/detail").get_data(as_text=True)
    details = re.findall(r'data-testid="log-detail">(.*?)</td>', page, re.S)
    text = " ".join(re.sub(r"<[^>]+>", "", d) for d in details)
    assert "切换到其他应用或标签页" in text and "IP 地址 10.9.9.9" in text and "延长 10 分钟 · 停电" in text
    assert "event" not in text and "hidden" not in text and "deadline" not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", text)


def test_header_names_the_role_once(exam_world, login, factory):
    exam_world.worker.display_name = "金陵化工 从业人员 王大锤"
    db.session.commit()
    page = login(exam_world.worker).get("/").get_data(as_text=True)
    whoami = re.search(r'data-testid="whoami">([^<]*)<', page).group(1)
    assert whoami == "金陵化工 从业人员 王大锤"
