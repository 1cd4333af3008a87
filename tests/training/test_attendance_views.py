"""The attendance pages as their users see them: a late entry becomes a correction that the organiser cannot approve
and its 负责人 or the city's regulator can, from the class page or their inbox."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from app.auth.models import Role
from app.extensions import db
from app.training.models import Attendance, AttendanceCorrection, CorrectionState
from tests.training.world import offline_class

NOV_22 = datetime(2026, 11, 22, 2, 0)  # 10:00 in Shanghai


@pytest.fixture
def late(training_world, factory, monkeypatch):
    monkeypatch.setattr("app.training.attendance_views.utcnow", lambda: NOV_22)
    w = training_world
    w.offline = offline_class(w, required_hours=8)
    w.supervisor = factory.user(Role.ENTERPRISE, enterprise_id=w.enterprise.id, supervisor=True)
    w.regulator, w.far_regulator = factory.regulator("320100"), factory.regulator("320500")
    factory.commit()
    return w


def post_entry(client, w, day="2026-11-20", minutes="135"):
    data = {
        "att-person_id": w.person.id,
        "att-session_date": day,
        "att-session_label": "下午",
        "att-minutes": minutes,
        "att-reason": "下午签到表漏录",
    }
    return client.post(f"/training/classes/{w.offline.id}/attendance/entries", data=data, follow_redirects=True)


def test_a_late_entry_waits_for_the_organisers_supervisor(late, login):
    w = late
    organiser = login(w.organiser)
    page = post_entry(organiser, w).get_data(as_text=True)
    assert "该日期已经过去：已提交更正申请" in page and "待审批" in page
    assert 'data-testid="approve"' not in page  # not the one who asked
    correction = db.session.scalars(sa.select(AttendanceCorrection)).one()
    assert organiser.post(f"/training/corrections/{correction.id}/approve").status_code == 403
    inbox = login(w.supervisor).get("/training/corrections").get_data(as_text=True)
    waiting = inbox.split('data-testid="corrections-waiting"', 1)[1].split("</table>", 1)[0]
    assert "王大锤" in waiting and "下午签到表漏录" in waiting
    done = login(w.supervisor).post(
        f"/training/corrections/{correction.id}/approve",
        data={"decide-note": "核对纸质签到表", "back": "inbox"},
        follow_redirects=True,
    )
    assert "已批准更正" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(sa.select(Attendance.minutes)).all() == [135]
    assert db.session.get(AttendanceCorrection, correction.id).state is CorrectionState.APPROVED


def test_the_citys_regulator_approves_and_another_city_cannot_reach_it(late, login):
    w = late
    post_entry(login(w.organiser), w)
    correction = db.session.scalars(sa.select(AttendanceCorrection)).one()
    assert login(w.far_regulator).post(f"/training/corrections/{correction.id}/approve").status_code == 404
    home = login(w.regulator).get("/").get_data(as_text=True)
    assert 'data-testid="corrections-waiting">1<' in home
    page = login(w.regulator).get(f"/training/classes/{w.offline.id}/attendance").get_data(as_text=True)
    assert 'data-testid="approve"' in page and 'data-testid="attendance-form"' not in page  # approves, records not
    login(w.regulator).post(f"/training/corrections/{correction.id}/reject", data={"decide-note": "无签到依据"})
    db.session.expire_all()
    assert db.session.get(AttendanceCorrection, correction.id).state is CorrectionState.REJECTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_an_entry_for_tomorrow_is_refused_on_the_page(late, login):
    page = post_entry(login(late.organiser), late, day="2026-11-23").get_data(as_text=True)
    assert "不能记录尚未到来的日期（2026-11-23）的考勤" in page


def test_a_sign_in_sheet_needs_its_reason_and_its_bad_rows_are_named(late, login):
    w = late
    book = Workbook()
    book.active.append(["证件号码", "日期", "场次", "时长（分钟）"])
    book.active.append([w.person.id_number, "2026-11-22", "上午", 400])
    out = io.BytesIO()
    book.save(out)
    client = login(w.organiser)
    url = f"/training/classes/{w.offline.id}/attendance/sheet"
    upload = {"sheet-file": (io.BytesIO(out.getvalue()), "签到表.xlsx")}
    page = client.post(url, data=upload, content_type="multipart/form-data", follow_redirects=True)
    assert "导入签到表必须写明说明" in page.get_data(as_text=True)
    upload = {"sheet-file": (io.BytesIO(out.getvalue()), "签到表.xlsx"), "sheet-reason": "11 月 22 日签到表"}
    text = client.post(url, data=upload, content_type="multipart/form-data", follow_redirects=True).get_data(
        as_text=True
    )
    assert re.search(r"签到表有 1 行有误，未导入任何记录：第 2 行：超过当天学时上限.*最多还能记 360 分钟", text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_an_operator_makes_a_colleague_the_supervisor_who_approves(app, late, factory, login):
    w = late
    colleague = factory.user(Role.ENTERPRISE, enterprise_id=w.enterprise.id)
    factory.commit()
    post_entry(login(w.organiser), w)
    correction = db.session.scalars(sa.select(AttendanceCorrection)).one()
    assert login(colleague).post(f"/training/corrections/{correction.id}/approve").status_code == 403
    result = app.test_cli_runner().invoke(args=["set-supervisor", colleague.username])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert login(colleague).post(f"/training/corrections/{correction.id}/approve").status_code == 302
    db.session.expire_all()
    assert db.session.get(AttendanceCorrection, correction.id).state is CorrectionState.APPROVED
    worker = app.test_cli_runner().invoke(args=["set-supervisor", w.worker.username])
    assert worker.exit_code != 0 and "a worker approves nothing" in worker.output


def test_the_class_archive_lists_who_recorded_each_entry_and_the_approved_correction(late, login, factory):
    from openpyxl import load_workbook

    w = late
    post_entry(login(w.organiser), w)
    correction = db.session.scalars(sa.select(AttendanceCorrection)).one()
    login(w.supervisor).post(f"/training/corrections/{correction.id}/approve")
    book = load_workbook(io.BytesIO(login(w.regulator).get(f"/training/classes/{w.offline.id}/export.xlsx").data))
    rows = list(book["面授考勤"].values)
    assert rows[0][6:] == ("记录人", "记录时间", "更正申请", "签到表 SHA-256")
    assert rows[1][:8] == (
        "王大锤",
        datetime(2026, 11, 20),
        "下午",
        135,
        "手工补录",
        "下午签到表漏录",
        w.organiser.label,
        "2026-11-22 10:00",
    )
    assert rows[1][8] == f"#{correction.id}"
