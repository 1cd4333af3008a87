"""The exam pages and JSON API through the test client: candidate flow, no answer leaks, organiser board, scoping."""

from __future__ import annotations

import io
import json
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import g
from openpyxl import load_workbook

from app.core.db import utcnow
from app.core.errors import DomainError
from app.exams import models, sittings
from app.exams.attempts import autosave, grading, starting, supervision
from app.exams.models import Answer, Attempt, AttemptState, ExamKind, Sitting
from app.extensions import db
from tests.conftest import csrf_token_from
from tests.exams.conftest import make_sitting, make_template, right_answer

#: Keys of the frozen paper and of grading that must never appear in what the browser gets before grading.
SECRET_KEYS = {
    "answer",
    "fill_answers",
    "explanation",
    "correct",
    "correct_response_display",
    "option_order",
    "seed",
    "items",
    "score",
    "passed",
}
SECRET_MARKERS = re.compile(r"EXPLAIN-|FILLANS-")


def all_keys(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from all_keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from all_keys(v)


def started(client, world) -> Attempt:
    response = client.post(f"/exams/sittings/{world.sitting.id}/start", data={})
    assert response.status_code == 302, response.data.decode()[:300]
    return db.session.scalars(sa.select(Attempt).where(Attempt.person_id == world.person.id)).one()


def post_answer(client, attempt, position, response, seq, flagged=False):
    return client.post(
        f"/exams/attempts/{attempt.id}/answer",
        json={"position": position, "response": response, "seq": seq, "flagged": flagged},
    )


# ---------------------------------------------------------------- candidate


def start_form(html: str) -> str:
    match = re.search(r'<form method="post" action="([^"]+)" class="start-form".*?</form>', html, re.S)
    assert match, "no start form"
    return match.group(0)


def test_worker_home_lists_the_sitting_with_a_start_button(exam_world, login):
    client = login(exam_world.worker)
    html = client.get("/").data.decode()
    form = start_form(html)
    assert "三级安全教育考试" in html and "24 题 · 80 分合格" in html
    assert f'action="/exams/sittings/{exam_world.sitting.id}/start"' in form and 'name="csrf_token"' in form
    assert ">开始考试</button>" in form and "disabled" not in form and "access_code" not in form
    assert "我的考试" in client.get("/exams/mine").data.decode()


def test_the_home_page_starts_the_exam_in_one_post(exam_world, csrf_client):
    """开始考试 posts from the home page, CSRF token included, and lands on the exam page."""
    client = csrf_client
    token = csrf_token_from(client.get("/login").data.decode())
    assert (
        client.post(
            "/login", data={"csrf_token": token, "username": exam_world.worker.username, "password": "pw"}
        ).status_code
        == 302
    )
    form = start_form(client.get("/").data.decode())
    response = client.post(re.search(r'action="([^"]+)"', form).group(1), data={"csrf_token": csrf_token_from(form)})
    attempt = db.session.scalars(sa.select(Attempt).where(Attempt.person_id == exam_world.person.id)).one()
    assert response.status_code == 302 and response.location == f"/exams/attempts/{attempt.id}"
    assert "继续考试" in client.get("/").data.decode()


def test_an_access_code_is_asked_on_the_home_page_and_a_wrong_one_explained(exam_world, login):
    exam_world.sitting.access_code = "6262"
    db.session.commit()
    client = login(exam_world.worker)
    assert 'name="access_code"' in start_form(client.get("/").data.decode())
    wrong = client.post(f"/exams/sittings/{exam_world.sitting.id}/start", data={"access_code": "0000"}).data.decode()
    assert "考试口令不正确" in wrong and 'data-testid="start-form"' in wrong  # the start page, to try again


def test_an_upcoming_sitting_shows_a_disabled_button_that_knows_when_it_opens(exam_world, login):
    exam_world.sitting.opens_at = utcnow() + timedelta(minutes=10)
    db.session.commit()
    client = login(exam_world.worker)
    form = start_form(client.get("/").data.decode())
    assert "disabled" in form and ">未开始</button>" in form
    assert 595 <= int(re.search(r'data-opens-in="(\d+)"', form).group(1)) <= 601
    early = client.post(f"/exams/sittings/{exam_world.sitting.id}/start", data={}).data.decode()  # a clock ahead
    assert "考试尚未开始" in early


def test_start_then_resume_from_home(exam_world, login):
    client = login(exam_world.worker)
    assert "开始考试" in client.get(f"/exams/sittings/{exam_world.sitting.id}/start").data.decode()
    attempt = started(client, exam_world)
    assert attempt.ip == "127.0.0.1"
    assert "继续考试" in client.get("/").data.decode()
    assert client.get(f"/exams/sittings/{exam_world.sitting.id}/start").location == f"/exams/attempts/{attempt.id}"
    page = client.get(f"/exams/attempts/{attempt.id}").data.decode()
    assert f'data-api="/exams/attempts/{attempt.id}"' in page and "js/exam.js" in page


def test_access_code_form(exam_world, login):
    exam_world.sitting.access_code = "6262"
    db.session.commit()
    client = login(exam_world.worker)
    url = f"/exams/sittings/{exam_world.sitting.id}/start"
    assert "考试口令" in client.get(url).data.decode()
    assert "考试口令不正确" in client.post(url, data={"access_code": "0000"}).data.decode()
    assert client.post(url, data={"access_code": "6262"}).status_code == 302


def test_neither_json_nor_page_reveal_answers_before_grading(exam_world, login):
    client = login(exam_world.worker)
    attempt = started(client, exam_world)
    post_answer(client, attempt, 0, right_answer(attempt, 0), 1)
    raw = client.get(f"/exams/attempts/{attempt.id}/state").data.decode()
    state = json.loads(raw)
    assert len(state["questions"]) == 24 and state["state"] == "in_progress"
    assert not SECRET_KEYS & set(all_keys(state)), SECRET_KEYS & set(all_keys(state))
    assert not SECRET_MARKERS.search(raw)
    assert not SECRET_MARKERS.search(client.get(f"/exams/attempts/{attempt.id}").data.decode())
    assert not SECRET_MARKERS.search(client.get("/").data.decode())
    # the markers really are in the frozen paper, so the checks above can fail
    assert SECRET_MARKERS.search(json.dumps(attempt.paper, ensure_ascii=False))


def embedded_state(html: str) -> dict:
    """The first state inside the exam page (``<script type="application/json" id="exam-state">``)."""
    match = re.search(r'<script type="application/json" id="exam-state">(.*?)</script>', html, re.S)
    assert match, "the exam page carries no state"
    return json.loads(match.group(1))


def test_exam_page_carries_its_first_state(exam_world, login):
    client = login(exam_world.worker)
    attempt = started(client, exam_world)
    post_answer(client, attempt, 2, right_answer(attempt, 2), 5, flagged=True)
    response = client.get(f"/exams/attempts/{attempt.id}")
    assert response.headers["Cache-Control"] == "no-store"  # the state inside is live
    html = response.data.decode()
    state = embedded_state(html)
    fetched = client.get(f"/exams/attempts/{attempt.id}/state").json
    assert {k: v for k, v in state.items() if k not in ("seconds_left", "elapsed_ms")} == {
        k: v for k, v in fetched.items() if k not in ("seconds_left", "elapsed_ms")
    }
    assert state["answers"]["2"] == {"response": right_answer(attempt, 2), "flagged": True, "seq": 5}
    assert not SECRET_KEYS & set(all_keys(state)) and not SECRET_MARKERS.search(html)
    # a stem's markup is text inside the JSON: "</b>" (or "</script>") cannot close the script element early
    assert any("<b>下列</b>" in q["stem"] for q in state["questions"])
    assert "<b>" not in html.split('id="exam-state">', 1)[1].split("</script>", 1)[0]


def test_answer_api_saves_and_state_returns_it(exam_world, login):
    client = login(exam_world.worker)
    attempt = started(client, exam_world)
    r = post_answer(client, attempt, 3, [1], 10, flagged=True)
    assert r.status_code == 200 and r.json["saved"] and r.json["applied"] and 3500 < r.json["seconds_left"] <= 3600
    assert post_answer(client, attempt, 3, [0], 9).json["applied"] is False  # older change arriving late
    state = client.get(f"/exams/attempts/{attempt.id}/state").json
    assert state["answers"]["3"] == {"response": [1], "flagged": True, "seq": 10} and state["max_seq"] == 10
    bad = post_answer(client, attempt, 999, [1], 11)
    assert bad.status_code == 400 and bad.json["error"]["code"] == "answer.invalid"


def test_submit_is_idempotent_and_answers_are_refused_afterwards(exam_world, login):
    client = login(exam_world.worker)
    attempt = started(client, exam_world)
    for pos in range(24):
        post_answer(client, attempt, pos, right_answer(attempt, pos), 1)
    first = client.post(f"/exams/attempts/{attempt.id}/submit").json
    second = client.post(f"/exams/attempts/{attempt.id}/submit").json
    assert first == second and first["result"] == {"score": 100.0, "max_score": 100.0, "passed": True}
    late = post_answer(client, attempt, 0, [0], 99)
    assert late.status_code == 409 and late.json["state"] == "graded"
    assert client.get(f"/exams/attempts/{attempt.id}").location == f"/exams/attempts/{attempt.id}/result"


def test_review_waits_for_the_sitting_to_close_and_for_the_makeup(exam_world, login):
    """Answers and explanations are not shown while colleagues may still sit the same paper, nor to a candidate
    whose 补考 is still to come; a candidate who passed sees them once the sitting has closed."""
    client = login(exam_world.worker)
    attempt = started(client, exam_world)
    client.post(f"/exams/attempts/{attempt.id}/submit")
    html = client.get(f"/exams/attempts/{attempt.id}/result").data.decode()
    assert "不合格" in html and "可以参加一次补考" in html
    assert not SECRET_MARKERS.search(html) and 'data-testid="review-later"' in html and "后可查看答题详情" in html

    colleague = exam_world.persons[1]
    passed = starting.start_or_resume(exam_world.sitting, colleague.id)
    for pos in range(len(passed.paper["items"])):
        autosave.save_answer(passed, pos, right_answer(passed, pos), pos + 1)
    grading.submit(passed)
    exam_world.sitting.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    html = client.get(f"/exams/attempts/{attempt.id}/result").data.decode()
    assert not SECRET_MARKERS.search(html) and "补考结束前不公布答案和解析" in html
    html = login(exam_world.workers[1]).get(f"/exams/attempts/{passed.id}/result").data.decode()
    assert "合格" in html and "EXPLAIN-" in html
    assert "&lt;b&gt;下列&lt;/b&gt;" in html  # question text is escaped


def test_an_organiser_using_the_national_bank_sees_no_answers(exam_world, login):
    """The enterprise organises a training exam drawn from the national bank: it sees scores, never the key."""
    attempt = starting.start_or_resume(exam_world.sitting, exam_world.person.id)
    grading.submit(attempt)
    db.session.commit()
    html = login(exam_world.organiser).get(f"/exams/attempts/{attempt.id}/result").data.decode()
    assert 'data-testid="score"' in html and not SECRET_MARKERS.search(html)


def test_result_page_without_review(exam_world, login):
    sitting = make_sitting(make_template(allow_review=False), exam_world.organiser, exam_world.persons)
    db.session.commit()
    client = login(exam_world.worker)
    client.post(f"/exams/sittings/{sitting.id}/start")
    attempt = db.session.scalars(sa.select(Attempt).where(Attempt.sitting_id == sitting.id)).one()
    client.post(f"/exams/attempts/{attempt.id}/submit")
    html = client.get(f"/exams/attempts/{attempt.id}/result").data.decode()
    assert "不提供答题详情" in html and not SECRET_MARKERS.search(html)


def test_focus_api_counts(exam_world, login):
    client = login(exam_world.worker)
    attempt = started(client, exam_world)
    assert client.post(f"/exams/attempts/{attempt.id}/focus", json={"event": "hidden"}).json == {"focus_losses": 1}


def test_csrf_header_is_required_for_the_json_api(exam_world, login, csrf_client):
    client = csrf_client
    page = client.get("/login").data.decode()
    client.post(
        "/login", data={"username": exam_world.worker.username, "password": "pw", "csrf_token": csrf_token_from(page)}
    )
    # The test keeps one app context around every request, so Flask-WTF's per-context token cache (g.csrf_token)
    # would outlive the session that login cleared; a browser never shares g between requests.
    g.pop("csrf_token", None)
    start_page = client.get(f"/exams/sittings/{exam_world.sitting.id}/start").data.decode()
    client.post(f"/exams/sittings/{exam_world.sitting.id}/start", data={"csrf_token": csrf_token_from(start_page)})
    attempt = db.session.scalars(sa.select(Attempt)).one()
    html = client.get(f"/exams/attempts/{attempt.id}").data.decode()
    token = re.search(r'data-csrf="([^"]+)"', html).group(1)
    body = {"position": 0, "response": [0], "seq": 1}
    assert client.post(f"/exams/attempts/{attempt.id}/answer", json=body).status_code == 400
    assert (
        client.post(f"/exams/attempts/{attempt.id}/answer", json=body, headers={"X-CSRFToken": token}).status_code
        == 200
    )


def test_nobody_else_reaches_an_attempt(exam_world, login, client):
    attempt = started(login(exam_world.worker), exam_world)
    other_worker = login(exam_world.workers[1])
    for path in ("", "/state", "/result"):
        assert other_worker.get(f"/exams/attempts/{attempt.id}{path}").status_code == 404
    assert post_answer(other_worker, attempt, 0, [0], 1).status_code == 404
    organiser = login(exam_world.organiser)
    assert organiser.get(f"/exams/attempts/{attempt.id}/state").status_code == 403
    assert organiser.post(f"/exams/attempts/{attempt.id}/submit").status_code == 403
    outsider = login(exam_world.outsider)
    assert outsider.get(f"/exams/sittings/{exam_world.sitting.id}/start").status_code == 404


def test_a_save_into_another_candidates_attempt_is_refused_after_its_owner_saved(exam_world, login):
    """The server keeps what it needs to check a save (the paper's shapes) once the owner has saved; another
    candidate's save to the same attempt is still refused, and stores nothing."""
    owner = login(exam_world.worker)
    attempt = started(owner, exam_world)
    assert post_answer(owner, attempt, 0, [0], 1).status_code == 200
    other_worker = login(exam_world.workers[1])
    refused = post_answer(other_worker, attempt, 0, [1], 2)
    assert refused.status_code == 404
    db.session.expire_all()
    saved = db.session.scalars(sa.select(Answer).where(Answer.attempt_id == attempt.id)).all()
    assert [(a.position, a.response, a.client_seq) for a in saved] == [(0, [0], 1)]


@contextmanager
def executed_statements():
    """The SQL of every statement sent to the database meanwhile: SQLAlchemy's executions, and on PostgreSQL the
    prepared ones that ``app.core.db.first_row`` runs on psycopg's own cursor."""
    from app.core import db as core_db

    sqls: list[str] = []
    run = core_db._run

    def recorded(conn, stmt, params, *, many):
        if conn.dialect.name == "postgresql":
            sqls.append(str(stmt))
        return run(conn, stmt, params, many=many)

    def executed(_conn, _cursor, statement, *_args):
        sqls.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", executed)
    core_db._run = recorded
    try:
        yield sqls
    finally:
        core_db._run = run
        sa.event.remove(db.engine, "before_cursor_execute", executed)


def test_an_autosave_carries_the_login_check_in_its_own_save(exam_world, login):
    """Exam day's busiest request: once the paper's shapes are known, a save is the save alone — one statement on
    PostgreSQL (its two SQLite statements elsewhere), the session's check inside it, no read of the user first."""
    client = login(exam_world.worker)
    attempt = started(client, exam_world)
    assert post_answer(client, attempt, 0, [0], 1).status_code == 200  # reads the shapes, once per attempt
    path, body = f"/exams/attempts/{attempt.id}/answer", {"position": 1, "response": [1], "seq": 2, "flagged": False}
    with executed_statements() as sqls:
        saved = client.post(path, json=body)
    assert saved.status_code == 200 and saved.json["applied"] is True
    assert len(sqls) == (1 if db.engine.dialect.name == "postgresql" else 2), "\n".join(s[:150] for s in sqls)
    assert not any(sql.lstrip().upper().startswith("SELECT") and "FROM auth_users" in sql for sql in sqls)


def test_the_exam_page_reads_attempt_sitting_and_questions_in_one_statement(exam_world, login):
    """The start rush's second request reads the attempt, its sitting and its questions in one statement (not the
    attempt, then its sitting, then its deferred questions)."""
    client = login(exam_world.worker)
    attempt = started(client, exam_world)
    with executed_statements() as sqls:
        page = client.get(f"/exams/attempts/{attempt.id}")
    assert page.status_code == 200 and exam_world.sitting.title in page.get_data(as_text=True)
    reads = [s for s in sqls if "exams_attempts" in s or "exams_sittings" in s]
    assert len(reads) == 1 and "exams_attempts.questions_json" in reads[0], "\n".join(s[:150] for s in reads)


def test_the_exam_page_has_nothing_to_wander_off_to_and_reads_no_alerts(exam_world, login):
    """While the clock runs the page shows who is sitting and the language, not the site's navigation or the bell
    (nor does it count the alerts, on the start rush's second request); the home page still has both."""
    client = login(exam_world.worker)
    attempt = started(client, exam_world)
    with executed_statements() as sqls:
        page = client.get(f"/exams/attempts/{attempt.id}").get_data(as_text=True)
    header = page.split("<header", 1)[1].split("</header>", 1)[0]
    assert "<nav" not in header and "<a " not in header, header
    assert re.search(r'data-testid="whoami">([^<]*)<', header).group(1) == exam_world.worker.signature
    assert "English" in header  # the language switch stays
    assert not [s for s in sqls if "dash_alerts" in s], "\n".join(s[:150] for s in sqls)
    home = client.get("/").get_data(as_text=True).split("</header>", 1)[0]
    assert "<nav" in home and 'href="/exams/mine"' in home and 'data-testid="bell"' in home


def test_an_autosave_after_the_session_ended_stores_nothing(exam_world, login, factory):
    """A cookie from before a password change, or of an account since deactivated, saves nothing and is sent to
    the login page, as on any page."""
    client = login(exam_world.worker)
    attempt = started(client, exam_world)
    assert post_answer(client, attempt, 0, [0], 1).status_code == 200
    exam_world.worker.set_password("a-new-password")  # ends every session of the account
    factory.commit()
    refused = post_answer(client, attempt, 1, [1], 2)
    assert (refused.status_code, refused.headers["Location"].split("?")[0]) == (302, "/login")
    client = login(exam_world.worker, "a-new-password")
    assert post_answer(client, attempt, 1, [1], 3).status_code == 200
    exam_world.worker.active = False
    factory.commit()
    refused = post_answer(client, attempt, 2, [1], 4)
    assert (refused.status_code, refused.headers["Location"].split("?")[0]) == (302, "/login")
    db.session.expire_all()
    saved = db.session.scalars(sa.select(Answer).where(Answer.attempt_id == attempt.id)).all()
    assert sorted((a.position, a.client_seq) for a in saved) == [(0, 1), (1, 3)]


# ---------------------------------------------------------------- organiser


def test_board_shows_progress_and_is_scoped(exam_world, login):
    starting.start_or_resume(exam_world.sitting, exam_world.person.id, ip="10.1.1.1", user_agent="x")
    attempt = starting.find_attempt(exam_world.sitting, exam_world.person.id)
    supervision.record_focus_loss(attempt)
    db.session.commit()
    client = login(exam_world.organiser)
    html = client.get(f"/exams/sittings/{exam_world.sitting.id}").data.decode()
    assert "王大锤" in html and "李小红" in html and "答题中" in html and 'http-equiv="refresh"' in html
    assert 'data-testid="focus-losses">1<' in html
    assert "三级安全教育考试" in client.get("/exams/sittings").data.decode()
    assert login(exam_world.other_organiser).get(f"/exams/sittings/{exam_world.sitting.id}").status_code == 404
    assert login(exam_world.worker).get(f"/exams/sittings/{exam_world.sitting.id}").status_code == 403


def test_regulator_sees_sittings_in_region_but_cannot_act(exam_world, login, factory):
    regulator = factory.regulator("320100")
    far = factory.regulator("320500")
    factory.commit()
    attempt = starting.start_or_resume(exam_world.sitting, exam_world.person.id)
    db.session.commit()
    client = login(regulator)
    assert client.get(f"/exams/sittings/{exam_world.sitting.id}").status_code == 200
    assert client.post(f"/exams/attempts/{attempt.id}/detail", data={"minutes": 5, "reason": "x"}).status_code == 403
    assert login(far).get(f"/exams/sittings/{exam_world.sitting.id}").status_code == 404


def test_export_results_xlsx(exam_world, login):
    attempt = starting.start_or_resume(exam_world.sitting, exam_world.person.id)
    autosave.save_answer(attempt, 0, right_answer(attempt, 0), 1)
    grading.submit(attempt)
    db.session.commit()
    response = login(exam_world.organiser).get(f"/exams/sittings/{exam_world.sitting.id}/results.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and len(rows) == 4
    graded = next(r for r in rows if r[0] == "王大锤")
    assert graded[2] == "已评分" and graded[6] == 3.0 and graded[8] == "不合格" and "*" in graded[1]
    assert next(r for r in rows if r[0] == "李小红")[2] == "未开始"


def test_extend_time_form(exam_world, login):
    attempt = starting.start_or_resume(exam_world.sitting, exam_world.person.id)
    db.session.commit()
    deadline = attempt.deadline
    client = login(exam_world.organiser)
    assert "延长答题时间" in client.get(f"/exams/attempts/{attempt.id}/detail").data.decode()
    r = client.post(f"/exams/attempts/{attempt.id}/detail", data={"minutes": 10, "reason": "平板没电"})
    assert r.status_code == 302
    db.session.refresh(attempt)
    assert attempt.deadline == deadline + timedelta(minutes=10)
    assert "平板没电" in client.get(f"/exams/attempts/{attempt.id}/detail").data.decode()


def test_create_sitting_form_filters_the_roster(exam_world, login, factory):
    from app.people.models import Post

    factory.employ(exam_world.enterprise, name="孙电工", post=Post.SPECIAL_OPERATOR, operation_code="1.2")
    factory.commit()
    client = login(exam_world.organiser)
    html = client.get("/exams/sittings/new?post=special_operator").data.decode()
    assert "孙电工" in html and "王大锤" not in html and "测试组卷规则" in html
    opens = (utcnow() + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M")
    closes = (utcnow() + timedelta(hours=11)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        "/exams/sittings/new?post=special_operator",
        data={
            "title": "电工作业资格考试",
            "template_id": exam_world.template.id,
            "kind": "training",
            "opens_at": opens,
            "closes_at": closes,
            "duration_minutes": "",
            "access_code": "",
            "all_shown": "1",
        },
    )
    assert r.status_code == 302, r.data.decode()[:2000]
    sitting = db.session.scalars(sa.select(Sitting).where(Sitting.title == "电工作业资格考试")).one()
    assert sitting.duration_minutes == 60 and sitting.enterprise_id == exam_world.enterprise.id
    assert sitting.region_code == "320102"
    # entered in Beijing time, stored in UTC
    assert abs((sitting.opens_at - (utcnow() + timedelta(hours=1))).total_seconds()) < 120
    assert [
        c.person.name
        for c in db.session.scalars(sa.select(models.Candidate).where(models.Candidate.sitting_id == sitting.id))
    ] == ["孙电工"]
    assert (sitting.post, sitting.subject) == ("special_operator", "training:special_operator:")


def test_an_enterprise_cannot_organise_a_qualification_exam(exam_world, login):
    """资格考试 and 复审考试 are the authority's: the form does not offer them to an enterprise, and a forged post is
    refused with the reason."""
    client = login(exam_world.organiser)
    form = client.get("/exams/sittings/new").data.decode()
    assert 'value="training"' in form and 'value="qualification"' not in form and 'value="review"' not in form
    opens = (utcnow() + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M")
    closes = (utcnow() + timedelta(hours=11)).strftime("%Y-%m-%dT%H:%M")
    data = {"title": "冒充资格考试", "template_id": exam_world.template.id, "kind": "qualification"}
    data |= {"opens_at": opens, "closes_at": closes, "person_ids": [exam_world.person.id]}
    page = client.post("/exams/sittings/new", data=data)
    assert page.status_code == 200
    assert re.findall(r"field-error[^>]*>([^<]*)<", page.data.decode()) == ["不是有效的选择。"]
    assert db.session.scalars(sa.select(Sitting).where(Sitting.title == "冒充资格考试")).first() is None
    with pytest.raises(DomainError, match="sitting.kind_not_allowed"):
        sittings.create_sitting(
            exam_world.template,
            title="冒充资格考试",
            kind=ExamKind.QUALIFICATION,
            opens_at=utcnow(),
            closes_at=utcnow() + timedelta(hours=1),
            person_ids=[exam_world.person.id],
            actor=exam_world.organiser,
        )


def test_makeup_is_offered_for_failed_candidates(exam_world, login):
    attempt = starting.start_or_resume(exam_world.sitting, exam_world.person.id)
    grading.submit(attempt)
    db.session.commit()
    client = login(exam_world.organiser)
    assert 'data-testid="makeup"' in client.get(f"/exams/sittings/{exam_world.sitting.id}").data.decode()
    assert "王大锤" in client.get(f"/exams/sittings/{exam_world.sitting.id}/makeup").data.decode()
    opens = (utcnow() + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")
    closes = (utcnow() + timedelta(hours=10)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(f"/exams/sittings/{exam_world.sitting.id}/makeup", data={"opens_at": opens, "closes_at": closes})
    assert r.status_code == 302
    makeup = db.session.scalars(sa.select(Sitting).where(Sitting.makeup_of_id == exam_world.sitting.id)).one()
    assert "补考" in makeup.title
    assert login(exam_world.worker).get("/").data.decode().count("已安排补考") == 1


@pytest.mark.parametrize("state", [AttemptState.SUBMITTED])
def test_result_page_before_grading_says_so(exam_world, login, state):
    attempt = starting.start_or_resume(exam_world.sitting, exam_world.person.id)
    db.session.execute(sa.update(Attempt).values(state=state))
    db.session.commit()
    html = login(exam_world.worker).get(f"/exams/attempts/{attempt.id}/result").data.decode()
    assert "正在评分" in html and not SECRET_MARKERS.search(html)
