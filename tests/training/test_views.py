"""Training pages as users see them: building a course, the lesson file behind the policy, the learner's pages and
heartbeat API, attendance, the ledger, and the gate on the sitting form."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import g
from openpyxl import load_workbook

from app.archive.models import ArchiveEvent
from app.auth.models import Role
from app.extensions import db
from app.training import study
from app.training.crediting import Heartbeat
from app.training.models import Course, LessonKind, StudyCredit
from tests.conftest import csrf_token_from
from tests.training.conftest import MP4, PNG, SHORT_MP4, WEBM


def test_an_enterprise_builds_a_course_with_a_video_and_a_wrong_file_is_refused(training_world, login):
    client = login(training_world.organiser)
    response = client.post("/training/courses", data={"title": "有限空间作业", "training_type": "annual"})
    course_id = int(response.location.rsplit("/", 1)[1])
    refused = client.post(
        f"/training/courses/{course_id}",
        data={"title": "案例", "kind": "video", "duration_minutes": "3", "file": (io.BytesIO(PNG), "case.mp4")},
        content_type="multipart/form-data",
    )
    assert "文件类型不符" in refused.get_data(as_text=True)
    # an MP4 whose length cannot be read (its header says ftyp, nothing follows) is refused, saying why
    broken = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4096
    refused = client.post(
        f"/training/courses/{course_id}",
        data={"title": "案例", "kind": "video", "file": (io.BytesIO(broken), "case.mp4")},
        content_type="multipart/form-data",
    )
    assert "读不出该视频的时长" in refused.get_data(as_text=True)
    # the duration is the file's (10 minutes), not the 3 minutes typed in; a 12-s video and a 6-s WebM are theirs
    for name, data, minutes in (("case.mp4", MP4, "3"), ("short.mp4", SHORT_MP4, ""), ("clip.webm", WEBM, "")):
        added = client.post(
            f"/training/courses/{course_id}",
            data={"title": "案例", "kind": "video", "duration_minutes": minutes, "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        page = added.get_data(as_text=True)
        assert "已添加课时" in page and name in page
    course = db.session.get(Course, course_id)
    assert [(lesson.kind, lesson.duration_seconds) for lesson in course.lessons] == [
        (LessonKind.VIDEO, 600),
        (LessonKind.VIDEO, 12),
        (LessonKind.VIDEO, 6),
    ]


def test_a_lesson_is_removed_from_a_draft_course_but_not_from_one_a_class_uses(training_world, login):
    client = login(training_world.organiser)
    response = client.post("/training/courses", data={"title": "受限空间", "training_type": "annual"})
    course_id = int(response.location.rsplit("/", 1)[1])
    for title in ("第一课", "第二课"):
        client.post(f"/training/courses/{course_id}", data={"title": title, "kind": "text", "duration_minutes": "5"})
    first = db.session.get(Course, course_id).lessons[0]
    page = client.post(f"/training/lessons/{first.id}/remove", follow_redirects=True).get_data(as_text=True)
    assert "已删除课时“第一课”" in page and 'data-testid="remove-lesson"' in page
    db.session.expire_all()
    assert [(lesson.position, lesson.title) for lesson in db.session.get(Course, course_id).lessons] == [(1, "第二课")]
    used = training_world.course.lessons[0]  # its version is frozen by the class
    page = client.get(f"/training/courses/{training_world.course.id}").get_data(as_text=True)
    assert 'data-testid="remove-lesson"' not in page
    refused = client.post(f"/training/lessons/{used.id}/remove", follow_redirects=True).get_data(as_text=True)
    assert "已被班次使用" in refused
    db.session.expire_all()
    assert db.session.get(Course, training_world.course.id).lessons[0].id == used.id
    second = db.session.get(Course, course_id).lessons[0]
    assert login(training_world.other_enterprise_admin).post(f"/training/lessons/{second.id}/remove").status_code == 404


def test_a_lesson_video_uploaded_to_the_object_store_is_streamed_by_range(training_world, login, s3):
    """Several web hosts: the lesson file lives in S3, not on the host that took the upload."""
    client = login(training_world.organiser)
    response = client.post("/training/courses", data={"title": "视频课", "training_type": "annual"})
    course_id = int(response.location.rsplit("/", 1)[1])
    video = MP4 * 50
    client.post(
        f"/training/courses/{course_id}",
        data={"title": "案例", "kind": "video", "duration_minutes": "3", "file": (io.BytesIO(video), "case.mp4")},
        content_type="multipart/form-data",
    )
    lesson = db.session.get(Course, course_id).lessons[0]
    assert s3.read(lesson.file_key) == video
    ranged = client.get(f"/training/lessons/{lesson.id}/file", headers={"Range": "bytes=16-47"})
    assert (ranged.status_code, ranged.data) == (206, video[16:48])
    assert ranged.headers["Content-Range"] == f"bytes 16-47/{len(video)}"


def test_the_lesson_video_is_served_by_range_to_its_learner_only(training_world, login, factory, client):
    url = f"/training/lessons/{training_world.video.id}/file"
    assert client.get(url).status_code == 302  # a guest goes to the login page
    learner = login(training_world.worker)
    ranged = learner.get(url, headers={"Range": "bytes=0-15"})
    assert (ranged.status_code, ranged.data, ranged.headers["Content-Type"]) == (206, MP4[:16], "video/mp4")
    assert "no-store" in ranged.headers["Cache-Control"]
    assert login(training_world.other_enterprise_admin).get(url).status_code == 404
    stranger = factory.worker(factory.employ(training_world.enterprise, name="路人甲").person)
    factory.commit()
    assert login(stranger).get(url).status_code == 404


def test_the_learner_sees_classes_lessons_and_what_is_still_required(training_world, login):
    learner = login(training_world.worker)
    mine = learner.get("/training/mine").get_data(as_text=True)
    assert "2026 年度再培训一班" in mine and "已获 0 / 0.5 学时" in mine and "还差 0.5 学时" in mine
    page = learner.get(f"/training/mine/{training_world.training_class.id}").get_data(as_text=True)
    assert "动火作业事故案例" in page and "0.0 / 10.0 分钟" in page


def test_heartbeats_over_http_credit_real_time_and_a_second_tab_stops_the_first(training_world, login, monkeypatch):
    w = training_world
    clock = {"now": datetime(2026, 11, 29, 2, 0, 0)}
    monkeypatch.setattr(study, "utcnow", lambda: clock["now"])
    monkeypatch.setattr("app.training.learner_views.local_today", lambda: clock["now"].date())
    learner = login(w.worker)
    start = f"/training/mine/{w.training_class.id}/lessons/{w.video.id}/start"
    first = learner.post(start, json={}).get_json()["token"]

    def beat(token, position, seconds_later):
        clock["now"] += timedelta(seconds=seconds_later)
        body = {"token": token, "lesson_id": w.video.id, "position": position, "visible": True, "playing": True}
        return learner.post("/training/heartbeat", json=body).get_json()

    assert beat(first, 0, 0)["credited"] == 0
    assert beat(first, 30, 30) == {"credited": 30, "refusal": None, "lesson_seconds": 30, "furthest": 30.0}
    second = learner.post(start, json={}).get_json()["token"]
    assert beat(first, 60, 30)["refusal"] == "taken_over"
    beat(second, 30, 1)
    assert beat(second, 60, 30)["lesson_seconds"] == 60
    assert db.session.scalar(sa.select(sa.func.sum(StudyCredit.seconds))) == 60


def test_a_heartbeat_checks_the_login_as_every_page_does(training_world, login, factory):
    """The heartbeat checks the session without loading the user (``@signed_in_as``): a cookie from before a
    password change, or of an account since deactivated, is sent to the login page as on any other page."""
    w = training_world
    learner = login(w.worker)
    start = f"/training/mine/{w.training_class.id}/lessons/{w.video.id}/start"
    token = learner.post(start, json={}).get_json()["token"]
    body = {"token": token, "lesson_id": w.video.id, "position": 0, "visible": True, "playing": True}
    assert learner.post("/training/heartbeat", json=body).status_code == 200

    w.worker.set_password("a-new-password")  # ends every session of the account
    factory.commit()
    refused = learner.post("/training/heartbeat", json=body)
    assert (refused.status_code, refused.headers["Location"].split("?")[0]) == (302, "/login")

    learner = login(w.worker, "a-new-password")
    assert learner.post("/training/heartbeat", json=body).status_code == 200
    w.worker.active = False
    factory.commit()
    refused = learner.post("/training/heartbeat", json=body)
    assert (refused.status_code, refused.headers["Location"].split("?")[0]) == (302, "/login")


def test_a_heartbeat_is_a_workers_and_tells_one_without_an_open_lesson_so(training_world, login):
    """The login check rides on the beat's own read: an organiser is still refused, and a worker who opened no
    lesson is told the page is not the active one, as before."""
    w = training_world
    body = {"token": "x", "lesson_id": w.video.id, "position": 0, "visible": True, "playing": True}
    assert login(w.organiser).post("/training/heartbeat", json=body).status_code == 403
    answered = login(w.workers[1]).post("/training/heartbeat", json=body)
    assert (answered.status_code, answered.get_json()["refusal"]) == (200, "taken_over")


def test_a_heartbeat_without_the_csrf_header_is_refused(training_world, csrf_client):
    client = csrf_client
    page = client.get("/login").data.decode()
    client.post(
        "/login",
        data={"username": training_world.worker.username, "password": "pw", "csrf_token": csrf_token_from(page)},
    )
    g.pop("csrf_token", None)  # see tests/exams/test_views.py: the test's app context outlives the login
    lesson = client.get(f"/training/mine/{training_world.training_class.id}/lessons/{training_world.video.id}")
    token = re.search(r'data-csrf="([^"]+)"', lesson.data.decode()).group(1)
    body = {"token": "x", "lesson_id": training_world.video.id}
    assert client.post("/training/heartbeat", json=body).status_code == 400
    answered = client.post("/training/heartbeat", json=body, headers={"X-CSRFToken": token})
    assert (answered.status_code, answered.get_json()["refusal"]) == (200, "taken_over")


def test_manual_attendance_without_a_reason_is_refused_on_the_page(training_world, login, factory, monkeypatch):
    from datetime import date

    from app.training import classes
    from app.training.models import ClassMode

    monkeypatch.setattr("app.training.attendance_views.utcnow", lambda: datetime(2026, 11, 20, 8, 0))
    w = training_world
    offline = classes.create_class(
        course=w.course,
        title="面授班",
        mode=ClassMode.OFFLINE,
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 11, 30),
        required_hours=2,
        actor=w.organiser,
    )
    classes.enrol(offline, [w.person.id], actor=w.organiser)
    factory.commit()
    client = login(w.organiser)
    data = {"att-person_id": w.person.id, "att-session_date": "2026-11-20", "att-minutes": "90", "att-reason": ""}
    url = f"/training/classes/{offline.id}/attendance/entries"
    page = client.post(url, data=data, follow_redirects=True)
    assert "手工补录考勤必须填写原因" in page.get_data(as_text=True)
    data["att-reason"] = "签到机故障"
    text = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert "已记录考勤" in text and "90 分钟" in text and "签到机故障" in text
    assert "2 / 2" in client.get(f"/training/classes/{offline.id}").get_data(as_text=True)


def test_the_enterprise_sees_who_is_short_of_hours_and_exports_them(training_world, login):
    client = login(training_world.organiser)
    page = client.get("/training/hours?short=1").get_data(as_text=True)
    # 主要负责人 in a 危险化学品 enterprise: 16 学时 a year; other staff: 20
    assert "王大锤" in page and "差 16 学时" in page and "李小红" in page and "差 20 学时" in page
    book = load_workbook(io.BytesIO(client.get("/training/hours/export.xlsx").data))
    rows = list(book.active.values)
    assert rows[0] == ("姓名", "岗位", "要求学时", "已获学时", "差额")
    assert ("王大锤", "主要负责人", 16, 0, 16) in rows


def test_the_ledger_is_the_enterprise_admins_own(training_world, login, factory):
    regulator = factory.regulator("320100")
    factory.commit()
    assert login(regulator).get("/training/hours").status_code == 403


def test_the_sitting_form_shows_why_a_candidate_is_refused_and_logs_an_override(training_world, login, factory):
    admin = factory.admin()
    factory.commit()
    client = login(admin)
    now = datetime(2030, 1, 1, 9, 0)
    data = {
        "title": "主要负责人资格考试",
        "template_id": training_world.template.id,
        "kind": "qualification",
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "person_ids": [training_world.person.id],
    }
    refused = client.post("/exams/sittings/new?post=principal", data=data).get_data(as_text=True)
    assert "王大锤 学时不足：要求 48 学时，已完成 0 学时" in refused
    data["override_text"] = "省厅批准补训后参考"
    no_reason = client.post("/exams/sittings/new?post=principal", data=data).get_data(as_text=True)
    assert "放行学时不足的考生须从列表中选择放行原因" in no_reason
    data["override_code"] = "authority_approval"
    admitted = client.post("/exams/sittings/new?post=principal", data=data)
    assert admitted.status_code == 302
    kinds = db.session.scalars(
        sa.select(ArchiveEvent.kind)
        .where(ArchiveEvent.person_id == training_world.person.id)
        .order_by(ArchiveEvent.seq)
    )
    assert "exam.gate_overridden" in list(kinds)


def test_a_worker_cannot_open_organiser_pages(training_world, login):
    learner = login(training_world.worker)
    assert learner.get(f"/training/classes/{training_world.training_class.id}").status_code == 403
    assert learner.get("/training/courses").status_code == 403
    assert training_world.worker.role == Role.WORKER


def test_the_learner_sees_the_years_requirement(training_world, login):
    page = login(training_world.worker).get("/training/mine").get_data(as_text=True)
    # 主要负责人 of a 危险化学品 enterprise: 16 学时 of 再培训 a year
    assert "年度再培训：要求 16 学时，已获 0 学时" in page and "还差 16 学时" in page


def test_a_regulator_sees_completion_rates_of_its_region_only(training_world, login, factory):
    from app.training.models import Enrolment

    enrolment = db.session.scalars(sa.select(Enrolment).where(Enrolment.person_id == training_world.person.id)).one()
    enrolment.completed_at = datetime(2026, 11, 1)  # one of the class's two trainees completed (class began 2026-01-01)
    far = factory.enterprise(name="苏州某化工", region="320505")
    regulator = factory.regulator("320100")
    factory.commit()
    page = login(regulator).get("/training/rates?year=2026").get_data(as_text=True)
    rows = [tuple(re.findall(r"<td>(.*?)</td>", row)) for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)]
    assert ("玄武化工有限公司", "2", "1", "50%") in rows and ("江宁机械有限公司", "0", "0", "—") in rows
    assert far.name not in page


def test_an_enterprise_applies_for_its_own_staff_the_institution_accepts_and_each_sees_only_its_own(
    training_world, login, factory
):
    w = training_world
    institution = factory.institution("320102")
    inst_user = factory.user(Role.INSTITUTION, institution_id=institution.id)
    other_admin = w.other_enterprise_admin  # 江宁 (320115), same province
    other_person = factory.employ(other_admin.enterprise, name="江宁学员", actor=other_admin).person
    factory.commit()
    inst = login(inst_user)
    course_id = int(
        inst.post("/training/courses", data={"title": "主要负责人初训", "training_type": "initial"}).location.rsplit(
            "/", 1
        )[1]
    )
    inst.post(f"/training/courses/{course_id}", data={"title": "法规", "kind": "text", "duration_minutes": "45"})
    data = {
        "title": "机构初训班",
        "course_id": course_id,
        "training_type": "initial",
        "mode": "blended",
        "starts_on": "2026-11-01",
        "ends_on": "2099-12-31",
        "required_hours": "48",
        "exam_template_id": 0,
    }
    class_id = int(inst.post("/training/classes/new", data=data).location.rsplit("/", 1)[1])
    # the institution has no 学员 yet: nobody to enrol directly; the enterprises apply
    assert "没有可报名的人员" in inst.get(f"/training/classes/{class_id}/pick").get_data(as_text=True)
    ours = login(w.organiser)
    ours.post(f"/training/classes/{class_id}/pick", data={"pick-person_ids": [w.person.id]})
    # another enterprise cannot slip someone else's employee in: the choice is not among its staff
    theirs = login(other_admin)
    theirs.post(f"/training/classes/{class_id}/pick", data={"pick-person_ids": [w.persons[1].id]})
    theirs.post(f"/training/classes/{class_id}/pick", data={"pick-person_ids": [other_person.id]})
    inst = login(inst_user)
    review = inst.get(f"/training/classes/{class_id}/applicants").get_data(as_text=True)
    assert "王大锤" in review and "江宁学员" in review and "李小红" not in review
    ids = [int(i) for i in re.findall(r'name="review-application_ids" value="(\d+)"', review)]
    assert len(ids) == 2
    inst.post(f"/training/classes/{class_id}/applicants", data={"review-application_ids": ids, "decision": "accept"})
    seen_by_institution = inst.get(f"/training/classes/{class_id}").get_data(as_text=True)
    assert "王大锤" in seen_by_institution and "江宁学员" in seen_by_institution
    assert "李小红" not in seen_by_institution
    seen_by_them = login(other_admin).get(f"/training/classes/{class_id}").get_data(as_text=True)
    assert "江宁学员" in seen_by_them and "王大锤" not in seen_by_them


def test_the_class_archive_export_has_the_roster_attendance_and_the_per_day_study_ledger(training_world, login):
    w = training_world
    token = study.open_lesson(w.person.id, w.training_class, w.video, now=datetime(2026, 11, 29, 2, 0))
    for t in (0, 30, 60):
        study.heartbeat(
            w.person.id,
            Heartbeat(token, w.video.id, t),
            now=datetime(2026, 11, 29, 2, 0, t % 60) + timedelta(minutes=t // 60),
        )
    db.session.commit()
    book = load_workbook(
        io.BytesIO(login(w.organiser).get(f"/training/classes/{w.training_class.id}/export.xlsx").data)
    )
    assert book.sheetnames == ["学员", "面授考勤", "网络学习明细"]
    roster = list(book["学员"].values)
    assert roster[2][:4] == ("王大锤", 1, 0, 0.03)
    ledger = list(book["网络学习明细"].values)
    assert ledger[1][0] == "王大锤" and ledger[1][2:] == ("动火作业事故案例", 60)


def test_the_person_file_shows_this_years_hours_against_the_rule(client, login, training_world):
    """一人一档: 主要负责人 of a 危险化学品 enterprise, 16 学时 of 再培训 a year (3号令 第九条), none yet."""
    html = login(training_world.organiser).get(f"/people/{training_world.person.id}").get_data(as_text=True)
    slot = html.split('data-testid="hours-this-year"', 1)[1].split("</p>", 1)[0]
    assert "本年度已获 0 学时" in slot and "应达 16 学时" in slot and "差 16 学时" in slot
