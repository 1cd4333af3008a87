"""退出 recommendations (two 逢查必考 failures within the window, tracked until a regulator closes them) and complaints
(recorded, decided, documented by the regulators of the subject's region)."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.dashboards import exits
from app.dashboards.models import Complaint, ComplaintDocument, ExitRecommendation, ExitState, RecordEvent, Verdict
from app.extensions import db
from tests.dashboards.world import inspection


def fail(dw, days_ago: int, person=None):
    inspection(dw.w.ent_a, dw.w.regulator_nj, dw.today - timedelta(days=days_ago), [(person or dw.w.person_a, False)])


def test_a_second_failure_within_twelve_months_recommends_an_exit_once(dw):
    fail(dw, 400)
    fail(dw, 20)  # 380 days apart: no recommendation
    assert exits.recommend(dw.today) == []
    fail(dw, 5)  # the second within 12 months
    [item] = exits.recommend(dw.today)
    assert (item.person_id, item.enterprise_id, item.state) == (dw.w.person_a.id, dw.w.ent_a.id, ExitState.OPEN)
    assert item.failed_on == dw.today - timedelta(days=5)
    assert exits.recommend(dw.today) == []  # once
    fail(dw, 1)  # a third while one is open: nothing more
    assert exits.recommend(dw.today) == []
    kinds = db.session.scalars(
        sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == dw.w.person_a.id).order_by(ArchiveEvent.seq)
    ).all()
    assert "exit.recommended" in kinds


def test_the_enterprise_answers_and_the_regulator_closes(dw, client, login):
    fail(dw, 30)
    fail(dw, 3)
    [item] = exits.recommend(dw.today)
    db.session.commit()
    login(dw.w.admin_b)
    assert client.get(f"/dashboard/exits/{item.id}").status_code == 404
    login(dw.w.admin_a)
    page = client.get(f"/dashboard/exits/{item.id}").get_data(as_text=True)
    assert "提交处理情况" in page and "办结" not in page.split("提交处理情况")[1]
    client.post(f"/dashboard/exits/{item.id}/act", data={"action": "transfer", "note": "调往仓库保管岗位"})
    assert client.post(f"/dashboard/exits/{item.id}/close", data={"note": "x"}).status_code == 403
    db.session.expire_all()
    assert (item.state, item.action.value) == (ExitState.ACTING, "transfer")
    login(dw.w.regulator_sz)
    assert client.post(f"/dashboard/exits/{item.id}/close", data={"note": "x"}).status_code == 404
    login(dw.w.regulator_nj)
    client.post(f"/dashboard/exits/{item.id}/close", data={"note": "已调离特种作业岗位"})
    db.session.expire_all()
    assert item.state is ExitState.CLOSED and item.close_note == "已调离特种作业岗位"
    kinds = db.session.scalars(
        sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == dw.w.person_a.id).order_by(ArchiveEvent.seq)
    ).all()
    assert kinds[-2:] == ["exit.acted", "exit.closed"]
    # closed: two new failures within the window make a new one
    fail(dw, 2)
    assert len(exits.recommend(dw.today)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExitRecommendation)) == 2


def test_a_regulator_records_decides_and_documents_a_complaint(dw, client, login, factory):
    institution = factory.institution("320102")
    factory.commit()
    login(dw.w.regulator_nj)
    form = client.get("/dashboard/complaints").get_data(as_text=True)
    assert f'value="i{institution.id}"' in form and f'value="e{dw.w.ent_c.id}"' not in form  # 苏州's: not ours
    client.post(
        "/dashboard/complaints",
        data={"subject": f"e{dw.w.ent_c.id}", "source": "hotline", "received_on": dw.today.isoformat(), "summary": "x"},
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0  # another city's enterprise
    response = client.post(
        "/dashboard/complaints",
        data={
            "subject": f"i{institution.id}",
            "source": "petition",
            "received_on": dw.today.isoformat(),
            "summary": "培训未按大纲学时授课",
        },
    )
    complaint = db.session.scalars(sa.select(Complaint)).one()
    assert response.location.endswith(f"/dashboard/complaints/{complaint.id}")
    client.post(f"/dashboard/complaints/{complaint.id}/verdict", data={"verdict": "substantiated", "seen": "pending"})
    stale = client.post(
        f"/dashboard/complaints/{complaint.id}/verdict", data={"verdict": "unsubstantiated", "seen": "pending"}
    )
    db.session.expire_all()
    assert complaint.verdict is Verdict.SUBSTANTIATED and complaint.decided_on == dw.today
    assert "核查结论已被他人修改" in client.get(stale.location).get_data(as_text=True)

    upload = {"document": (io.BytesIO(b"%PDF-1.4 report"), "调查报告.pdf")}
    client.post(f"/dashboard/complaints/{complaint.id}/documents", data=upload, content_type="multipart/form-data")
    bad = {"document": (io.BytesIO(b"MZ\x90\x00"), "x.pdf")}
    client.post(f"/dashboard/complaints/{complaint.id}/documents", data=bad, content_type="multipart/form-data")
    [document] = db.session.scalars(sa.select(ComplaintDocument)).all()
    file = client.get(f"/dashboard/complaints/{complaint.id}/documents/{document.id}")
    assert file.status_code == 200 and file.data == b"%PDF-1.4 report"
    kinds = db.session.scalars(sa.select(RecordEvent.kind).where(RecordEvent.institution_id == institution.id)).all()
    assert kinds == ["complaint.recorded", "complaint.decided", "complaint.document"]

    for other in (dw.w.regulator_sz, dw.w.admin_a):
        login(other)
        assert client.get(f"/dashboard/complaints/{complaint.id}/documents/{document.id}").status_code in (403, 404)
