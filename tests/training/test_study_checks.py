"""What every heartbeat re-checks against the database, with a fixed clock: the class's dates in its own zone, the
enrolment, the lesson being the class's, the mode; a reload; the beacon a page sends as it goes; the presence
prompts of a PDF lesson over HTTP; and the lesson page that shows a PDF."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.training import courses, study
from app.training.crediting import Heartbeat
from app.training.models import AttendanceDay, ClassMode, Enrolment, LessonKind, StudyCredit, StudySession
from tests.conftest import csrf_token_from
from tests.training.conftest import MP4, PDF

T0 = datetime(2026, 11, 29, 2, 0, 0)  # 10:00 Shanghai


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ledger(person) -> list[tuple[date, int]]:
    rows = db.session.execute(
        sa.select(StudyCredit.day, StudyCredit.seconds).where(StudyCredit.person_id == person.id)
    ).all()
    return sorted((day, seconds) for day, seconds in rows)


def beats(person, lesson, token, *moments, **kw) -> list[tuple[int, str | None]]:
    """Heartbeats of a playing video at ``moments`` (seconds after ``start``), the position following the clock."""
    start = kw.pop("start", T0)
    out = []
    for t in moments:
        result = study.heartbeat(person.id, Heartbeat(token, lesson.id, t, **kw), now=start + timedelta(seconds=t))
        out.append((result.credited, result.refusal))
    return out


@pytest.fixture
def clock(monkeypatch):
    """The server's clock for HTTP tests (the views and the study service read it)."""
    now = {"now": T0}
    monkeypatch.setattr(study, "utcnow", lambda: now["now"])
    monkeypatch.setattr("app.training.learner_views.utcnow", lambda: now["now"])
    return now


# ---------------------------------------------------------------- the class, re-checked by every report


def test_every_report_rechecks_the_class_dates_in_the_classes_own_zone(training_world, factory):
    w = training_world
    # the class belongs to a region whose zone is Asia/Urumqi (UTC+6); the learner's employer is in Nanjing
    urumqi = factory.jurisdiction("650100")
    urumqi.time_zone = "Asia/Urumqi"
    w.training_class.region_code, w.training_class.ends_on = "650100", date(2026, 11, 29)
    db.session.flush()
    start = datetime(2026, 11, 29, 17, 59, 10)  # 23:59:10 in Urumqi (01:59:10 on the 30th in Nanjing)
    token = study.open_lesson(w.person.id, w.training_class, w.video, now=start)
    out = beats(w.person, w.video, token, 0, 30, 60, 90, start=start)
    # the class ends at midnight in Urumqi (18:00 UTC): the stretch across it earns its 20 s before, then nothing
    assert out == [(0, None), (30, None), (20, "closed"), (0, "closed")]
    assert ledger(w.person) == [(date(2026, 11, 30), 50)]  # the learner's own day (Nanjing)
    assert study.class_is_open(w.training_class, now=datetime(2026, 11, 29, 17, 59)) is True
    assert study.class_is_open(w.training_class, now=datetime(2026, 11, 29, 18, 0)) is False


def test_a_trainee_whose_enrolment_ended_earns_nothing(training_world):
    w = training_world
    token = study.open_lesson(w.person.id, w.training_class, w.video, now=T0)
    assert beats(w.person, w.video, token, 0, 30) == [(0, None), (30, None)]
    db.session.execute(sa.delete(Enrolment).where(Enrolment.person_id == w.person.id))
    assert beats(w.person, w.video, token, 60, 90) == [(0, "not_enrolled"), (0, "not_enrolled")]
    assert ledger(w.person) == [(date(2026, 11, 29), 30)]


def test_a_session_on_a_lesson_that_is_not_the_classes_earns_nothing(training_world):
    w = training_world
    other = courses.create_course(title="别的课程", training_type=w.course.training_type, actor=w.organiser)
    foreign = courses.add_lesson(other, title="别的视频", kind=LessonKind.VIDEO, upload=courses.Upload("v.mp4", MP4))
    token = study.open_lesson(w.person.id, w.training_class, foreign, now=T0)
    assert beats(w.person, foreign, token, 0, 30, 60) == [(0, None), (0, "not_in_class"), (0, "not_in_class")]
    assert ledger(w.person) == []


def test_an_offline_class_earns_no_online_time(training_world):
    w = training_world
    token = study.open_lesson(w.person.id, w.training_class, w.video, now=T0)
    w.training_class.mode = ClassMode.OFFLINE  # the organiser turned it into a 面授 class
    db.session.flush()
    assert beats(w.person, w.video, token, 0, 30) == [(0, None), (0, "closed")]


# ---------------------------------------------------------------- a new page, a page being left


def test_a_reloaded_page_starts_from_the_stored_furthest_point(training_world, login, clock):
    w = training_world
    learner = login(w.worker)
    start = f"/training/mine/{w.training_class.id}/lessons/{w.video.id}/start"

    def beat(token, position, after, **kw):
        clock["now"] += timedelta(seconds=after)
        body = {"token": token, "lesson_id": w.video.id, "position": position, "visible": True, "playing": True, **kw}
        return learner.post("/training/heartbeat", json=body).get_json()

    token = learner.post(start, json={}).get_json()["token"]
    beat(token, 0, 0)
    assert (beat(token, 30, 30)["credited"], beat(token, 60, 30)["credited"]) == (30, 30)
    reloaded = learner.post(start, json={}).get_json()
    assert reloaded["furthest"] == 60
    # the new page's first report says 500 s: refused, and "furthest watched" stays where it was
    first = beat(reloaded["token"], 500, 5)
    assert (first["refusal"], first["furthest"]) == ("seek", 60)
    # from where it left off, it earns as before
    again = learner.post(start, json={}).get_json()
    beat(again["token"], 60, 1)
    assert (beat(again["token"], 90, 30)["credited"], ledger(w.person)) == (30, [(date(2026, 11, 29), 90)])


def test_an_operator_set_beat_reaches_the_page_and_the_rule(training_world, login, clock, app, monkeypatch):
    w = training_world
    monkeypatch.setitem(app.config, "STUDY_HEARTBEAT_SECONDS", 60)
    learner = login(w.worker)
    page = learner.get(f"/training/mine/{w.training_class.id}/lessons/{w.video.id}").get_data(as_text=True)
    assert 'data-interval="60"' in page
    token = learner.post(f"/training/mine/{w.training_class.id}/lessons/{w.video.id}/start", json={}).get_json()
    assert token["interval"] == 60

    def beat(position, after):
        clock["now"] += timedelta(seconds=after)
        body = {"token": token["token"], "lesson_id": w.video.id, "position": position, "visible": True}
        return learner.post("/training/heartbeat", json={**body, "playing": True}).get_json()["credited"]

    # a whole 60-s interval is credited; a 150-s silence (a stalled tab) earns two intervals, not all of it
    assert (beat(0, 0), beat(60, 60), beat(210, 150)) == (0, 60, 120)
    assert ledger(w.person) == [(date(2026, 11, 29), 180)]


def test_a_page_being_left_reports_its_last_stretch_by_beacon(training_world, login, clock, csrf_client):
    w = training_world
    learner = login(w.worker)
    page = learner.get(f"/training/mine/{w.training_class.id}/lessons/{w.video.id}").get_data(as_text=True)
    csrf = page.split('data-csrf="', 1)[1].split('"', 1)[0]
    token = learner.post(f"/training/mine/{w.training_class.id}/lessons/{w.video.id}/start", json={}).get_json()[
        "token"
    ]
    body = {"token": token, "lesson_id": w.video.id, "position": 0, "visible": True, "playing": True}
    learner.post("/training/heartbeat", json=body)
    clock["now"] += timedelta(seconds=17)
    # pagehide: navigator.sendBeacon posts a FormData (multipart, no header), the CSRF token as its field, the beat
    # beside it; the hide before it went the same way, urlencoded here
    hidden = {**body, "position": 17, "visible": False, "playing": False}
    answer = learner.post(
        "/training/heartbeat",
        data={"csrf_token": csrf, "beat": json.dumps(hidden)},
        content_type="multipart/form-data",
    )
    assert (answer.status_code, answer.get_json()["credited"]) == (200, 17)
    clock["now"] += timedelta(seconds=1)
    left = {**hidden, "position": 17}
    answer = learner.post("/training/heartbeat", data={"csrf_token": csrf, "beat": json.dumps(left)})
    assert (answer.status_code, answer.get_json()["refusal"]) == (200, "hidden")
    assert ledger(w.person) == [(date(2026, 11, 29), 17)]
    # the same form without the token is refused (the CSRF check holds for beacons too)
    login_page = csrf_client.get("/login").get_data(as_text=True)
    csrf_client.post(
        "/login",
        data={"username": w.worker.username, "password": "pw", "csrf_token": csrf_token_from(login_page)},
    )
    refused = csrf_client.post("/training/heartbeat", data={"beat": json.dumps(left)})
    assert refused.status_code == 400 and ledger(w.person) == [(date(2026, 11, 29), 17)]
    nonsense = learner.post("/training/heartbeat", data={"csrf_token": csrf, "beat": "[1, 2]"})
    assert nonsense.status_code == 400


# ---------------------------------------------------------------- a PDF lesson: presence


@pytest.fixture
def handout(training_world):
    course = training_world.course
    course.frozen_at = None  # add one more lesson to the class's course version (as if before the class opened)
    lesson = courses.add_lesson(
        course, title="讲义", kind=LessonKind.PDF, duration_minutes=30, upload=courses.Upload("a.pdf", PDF)
    )
    course.frozen_at = T0
    db.session.commit()
    return lesson


def test_a_pdf_lesson_earns_with_presence_and_asks_when_the_page_is_quiet(training_world, handout, login, clock):
    w = training_world
    learner = login(w.worker)
    token = learner.post(f"/training/mine/{w.training_class.id}/lessons/{handout.id}/start", json={}).get_json()[
        "token"
    ]

    def beat(after, **kw):
        clock["now"] += timedelta(seconds=after)
        body = {"token": token, "lesson_id": handout.id, "position": 0, "visible": True, "playing": True, **kw}
        return learner.post("/training/heartbeat", json=body).get_json()

    beat(0)
    assert beat(30, active=True)["credited"] == 30  # scrolled in that stretch
    quiet = beat(30)
    assert (quiet["credited"], quiet["refusal"]) == (0, "prompt") and len(quiet["prompt"]) >= 16
    guessed = beat(5, answer="0" * 16, active=True)
    assert (guessed["credited"], guessed["refusal"], guessed["prompt"]) == (0, "prompt", quiet["prompt"])
    answered = beat(5, answer=quiet["prompt"])
    assert (answered["credited"], answered["refusal"]) == (30, None)  # the quiet stretch, not the 10 s on the prompt
    assert ledger(w.person) == [(date(2026, 11, 29), 60)]


def test_random_prompts_are_drawn_for_documents_when_the_page_opens(training_world, handout, app, monkeypatch):
    monkeypatch.setitem(app.config, "STUDY_PROMPTS", 3)
    w = training_world
    study.open_lesson(w.person.id, w.training_class, handout, now=T0)
    session = db.session.get(StudySession, w.person.id)
    assert session.prompts_left == 3 and T0 + timedelta(seconds=30) <= session.next_prompt_at <= at(600)
    study.open_lesson(w.person.id, w.training_class, w.video, now=T0)
    db.session.refresh(session)
    assert (session.prompts_left, session.next_prompt_at) == (0, None)  # a video proves itself by its position


def test_the_lesson_page_draws_a_pdf_itself_and_holds_the_playback_rate(training_world, handout, login, app):
    w = training_world
    learner = login(w.worker)
    page = learner.get(f"/training/mine/{w.training_class.id}/lessons/{handout.id}").get_data(as_text=True)
    assert 'data-testid="pdf-view"' in page and "js/lesson_pdf.js" in page and "<iframe" not in page
    assert 'data-max-rate="1.0"' in page
    script = learner.get("/static/vendor/pdfjs/pdf.min.js")
    assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
    video = learner.get(f"/training/mine/{w.training_class.id}/lessons/{w.video.id}").get_data(as_text=True)
    assert "noplaybackrate" in video and 'data-max-rate="1.0"' in video


# ---------------------------------------------------------------- the daily cap, from the online side


def test_online_study_after_a_full_classroom_day_earns_only_what_the_daily_cap_leaves(training_world):
    """A day holds at most ``attendance.daily_cap_hours`` (8 学时) of 面授 and online study together: after 350
    minutes in a classroom (7.78 学时 of 45 min) the same day leaves 0.22 学时 = 400 s of online study (30-min 学时)."""
    w = training_world
    db.session.add(AttendanceDay(person_id=w.person.id, day=date(2026, 11, 29), minutes=350))
    db.session.flush()
    token = study.open_lesson(w.person.id, w.training_class, w.video, now=T0)
    out = beats(w.person, w.video, token, *range(0, 481, 30))
    assert out[:14] == [(0, None)] + [(30, None)] * 13  # 390 s
    assert out[14:] == [(10, "daily_cap"), (0, "daily_cap"), (0, "daily_cap")]
    assert ledger(w.person) == [(date(2026, 11, 29), 400)]


def test_the_cap_counts_online_study_of_every_class_and_the_next_day_starts_afresh(training_world):
    w = training_world
    text_lesson = w.course.lessons[0]  # 8 学时 less 45 s studied online already that day, another lesson
    db.session.add(
        StudyCredit(
            person_id=w.person.id,
            class_id=w.training_class.id,
            lesson_id=text_lesson.id,
            day=date(2026, 11, 29),
            seconds=8 * 30 * 60 - 45,
        )
    )
    db.session.flush()
    token = study.open_lesson(w.person.id, w.training_class, w.video, now=T0)
    assert beats(w.person, w.video, token, 0, 30, 60) == [(0, None), (30, None), (15, "daily_cap")]
    tomorrow = T0 + timedelta(days=1)
    token = study.open_lesson(w.person.id, w.training_class, w.video, now=tomorrow)
    for t, expected in ((0, 0), (30, 30)):
        beat = Heartbeat(token, w.video.id, 60 + t, visible=True, playing=True)
        assert study.heartbeat(w.person.id, beat, now=tomorrow + timedelta(seconds=t)).credited == expected
    assert ledger(w.person)[-1] == (date(2026, 11, 30), 30)


def test_a_beat_across_midnight_is_capped_by_each_days_own_budget(training_world):
    w = training_world
    db.session.add(AttendanceDay(person_id=w.person.id, day=date(2026, 11, 29), minutes=360))  # the 29th is full
    db.session.flush()
    start = datetime(2026, 11, 29, 15, 59, 40)  # 23:59:40 in Shanghai
    token = study.open_lesson(w.person.id, w.training_class, w.video, now=start)
    assert beats(w.person, w.video, token, 0, 30, 60, start=start) == [(0, None), (10, "daily_cap"), (30, None)]
    assert ledger(w.person) == [(date(2026, 11, 30), 40)]
