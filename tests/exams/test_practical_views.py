"""实操 pages as their users see them: the authority schedules a sitting and enrols a candidate, two examiners sign
their score sheets, the candidate reads the result in their exam list and on the printed sheet, the employer in the
一人一档; refusals shown on the form with nothing written; the platform admin's score sheets beside the rules."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from app.core.clock import local_today
from app.exams import practical_sheets
from app.exams.practical import candidates, sittings
from app.exams.practical.models import PracticalAttempt, PracticalSignature, PracticalSitting, ScoreSheet
from app.extensions import db
from tests.exams.practical_world import theory_exam


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def score_form(points: dict, vetoes=()) -> dict:
    data = {f"score-{code}": str(value) for code, value in points.items()}
    return {**data, "veto": list(vetoes)}


def _scheduled(w, login, client) -> PracticalAttempt:
    """Through the pages: the organiser schedules today's sitting and enrols 王电工."""
    today = local_today()
    theory_exam(w.person, today - timedelta(days=10), score=91)
    db.session.commit()
    login(w.organiser)
    response = client.post(
        "/exams/practical/new",
        data={
            "operation_code": "1.2",
            "title": "",
            "exam_on": today.isoformat(),
            "site_name": "南京市特种作业实操考点",
            "site_address": "江宁区示范路 18 号",
            "examiner_ids": [str(w.organiser.id), str(w.examiner.id)],
        },
    )
    assert response.status_code == 302, text(response)
    sitting = db.session.scalars(sa.select(PracticalSitting)).one()
    assert sitting.title == "低压电工作业 实际操作考试" and sitting.exam_on == today
    page = text(client.get(response.location))
    assert "王电工" in page and "理论 91 分" in page  # offered with the theory pass it rests on
    response = client.post(f"/exams/practical/{sitting.id}/candidates", data={"person_ids": [str(w.person.id)]})
    assert "已添加 1 名考生" in text(client.get(response.location))
    return db.session.scalars(sa.select(PracticalAttempt)).one()


def test_two_examiners_sign_and_everyone_reads_the_result(practical_world, client, login):
    w = practical_world
    attempt = _scheduled(w, login, client)
    url = f"/exams/practical/attempts/{attempt.id}/score"

    form = text(client.get(url))
    assert "K2 安全操作技术" in form and "否决项" in form and "签名提交" in form
    response = client.post(url, data=score_form({"K1": 18, "K2": 36, "K3": 17, "K4": 18}))
    assert "已签名提交 王电工 的评分，等待其他考评员签名" in text(client.get(response.location))
    assert "您已为该考生签名提交评分" in text(client.get(url))

    login(w.examiner)
    response = client.post(url, data=score_form({"K1": 17, "K2": 37, "K3": 18, "K4": 18}))
    page = text(client.get(response.location))
    assert "王电工 的实操成绩已生成：89.5 分，合格" in page

    sheet_for_staff = text(client.get(f"/exams/practical/attempts/{attempt.id}/sheet"))
    assert "考评员甲" in sheet_for_staff and "考评员乙" in sheet_for_staff and "IP 127.0.0.1" in sheet_for_staff
    assert w.person.id_number in sheet_for_staff  # a regulator sees the full 证件号码

    login(w.workers[0])
    mine = text(client.get("/exams/mine"))
    assert "低压电工作业 实际操作考试" in mine and "89.5 分" in mine and "合格" in mine
    sheet = text(client.get(f"/exams/practical/attempts/{attempt.id}/sheet"))
    assert "K1 安全用具使用 20 18 17" in sheet and "89.5 / 100" in sheet
    assert re.search(r"考评员甲 · \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} 签名", sheet)
    assert "127.0.0.1" not in sheet  # where examiners signed from is the authority's record

    login(w.enterprise_admin)
    dossier = text(client.get(f"/people/{w.person.id}"))
    assert "实操考试成绩" in dossier and "K2 安全操作技术：36、37（满分 40）" in dossier and "89.5/100" in dossier


def test_a_refused_entry_is_shown_on_the_form_and_nothing_is_written(practical_world, client, login):
    w = practical_world
    attempt = _scheduled(w, login, client)
    url = f"/exams/practical/attempts/{attempt.id}/score"
    response = client.post(url, data=score_form({"K1": 18, "K2": 41, "K3": 17, "K4": 18}))
    page = text(response)
    assert response.status_code == 200 and "“K2 安全操作技术”的得分应在 0 到 40 分之间" in page
    assert 'value="41"' in response.get_data(as_text=True)  # what was typed stays on the form
    response = client.post(url, data=score_form({"K1": 18, "K2": 36, "K4": 18}))
    assert "请填写“K3 作业现场安全隐患排除”的得分" in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PracticalSignature)) == 0

    client.post(url, data=score_form({"K1": 18, "K2": 36, "K3": 17, "K4": 18}))
    again = client.post(url, data=score_form({"K1": 1, "K2": 1, "K3": 1, "K4": 1}))
    assert "您已为该考生签名提交评分，不能重复提交" in text(again)
    assert [s.total for s in db.session.scalars(sa.select(PracticalSignature))] == [89]


def test_who_may_organise_and_who_may_score(practical_world, client, login):
    w = practical_world
    attempt = _scheduled(w, login, client)
    score_url = f"/exams/practical/attempts/{attempt.id}/score"

    login(w.third)  # a regulator of the city, not an examiner of this sitting
    assert client.get(f"/exams/practical/{attempt.sitting_id}").status_code == 200
    assert client.get(score_url).status_code == 403
    assert client.post(score_url, data=score_form({"K1": 1, "K2": 1, "K3": 1, "K4": 1})).status_code == 403

    login(w.platform_admin)  # sees every sitting, is no authority: neither schedules nor scores
    listing = client.get("/exams/practical/")
    assert listing.status_code == 200 and "新建实操考试场次" not in text(listing)
    assert client.get("/exams/practical/new").status_code == 403
    assert client.get(score_url).status_code == 403

    login(w.enterprise_admin)
    assert client.get("/exams/practical/").status_code == 403
    login(w.workers[1])
    assert client.get(f"/exams/practical/attempts/{attempt.id}/sheet").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PracticalSignature)) == 0


def test_scoring_before_the_exam_day_is_refused_on_the_page(practical_world, client, login):
    w = practical_world
    theory_exam(w.person, local_today() - timedelta(days=3))
    tomorrow = local_today() + timedelta(days=1)
    sitting = sittings.create_sitting(
        title="明日实操",
        operation_code="1.2",
        site_name="考点",
        exam_on=tomorrow,
        examiner_ids=[w.organiser.id, w.examiner.id],
        actor=w.organiser,
    )
    candidates.add_candidates(sitting, [w.person.id], actor=w.organiser)
    attempt = db.session.scalars(sa.select(PracticalAttempt)).one()
    db.session.commit()
    login(w.examiner)
    url = f"/exams/practical/attempts/{attempt.id}/score"
    assert f"实操考试日期为 {tomorrow.isoformat()}，考试当天起才能评分" in text(client.get(url))
    response = client.post(url, data=score_form({"K1": 18, "K2": 36, "K3": 17, "K4": 18}))
    assert f"实操考试日期为 {tomorrow.isoformat()}，考试当天起才能评分" in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PracticalSignature)) == 0


def test_the_admin_keeps_score_sheets_beside_the_rules(practical_world, client, login):
    w = practical_world
    login(w.platform_admin)
    rules = text(client.get("/admin/rules"))
    assert "特种作业 实际操作考试次数（含补考） 5 次 应急管理部令第19号 全国 2026-06-01" in rules
    sheets = text(client.get("/exams/practical/sheets"))
    assert "1.2 低压电工作业" in sheets and "K4 作业现场应急处置 20" in sheets and "现行" in sheets
    old = practical_sheets.sheet_in_force("1.2", local_today())
    response = client.post(
        f"/exams/practical/sheets/new?from={old.id}",
        data={
            "operation_code": "1.2",
            "title": "低压电工作业 评分表（2027）",
            "valid_from": "2027-01-01",
            "note": "省考核标准 2027 版",
            "items-0-code": "K1",
            "items-0-name": "安全用具使用",
            "items-0-max_points": "25",
            "items-1-code": "K2",
            "items-1-name": "安全操作技术",
            "items-1-max_points": "75",
            "items-1-critical": "y",
        },
    )
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    assert old.valid_to.isoformat() == "2026-12-31"
    new = db.session.scalars(sa.select(ScoreSheet).where(ScoreSheet.title == "低压电工作业 评分表（2027）")).one()
    assert [(i.code, i.max_points, i.critical) for i in new.items] == [("K1", 25, False), ("K2", 75, True)]
    bad = client.post(
        f"/exams/practical/sheets/{new.id}",
        data={
            "operation_code": "1.2",
            "title": "x",
            "valid_from": "2027-01-01",
            "items-0-code": "K1",
            "items-0-name": "全部",
            "items-0-max_points": "90",
        },
    )
    assert "评分项分值合计应为 100 分（现为 90 分）" in text(bad)
