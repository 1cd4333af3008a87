"""The demo data's training: the worker sees a running class with the minutes studied, the enterprise its roster."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.people.models import Person, Snapshot
from app.people.snapshots import schedule
from app.seed.demo import seed_demo
from app.training import held
from app.training.models import TrainingClass
from tests.test_demo_seed import log_in


def test_the_demo_worker_sees_a_class_with_credited_time(app, client, monkeypatch):
    # two random moments 2 s apart: the snapshot after the first covers both (the seed failed on such a draw)
    monkeypatch.setattr(schedule, "draw_offsets", lambda span, count: [100, 102][: count - 1])
    assert seed_demo() is True
    db.session.commit()
    mine = log_in(client, "worker").get("/training/mine").get_data(as_text=True)
    assert "主要负责人和安全管理人员 再培训班" in mine and "已获 0.33 / 2 学时" in mine
    roster = log_in(client, "enterprise").get("/training/classes").get_data(as_text=True)
    assert "再培训班" in roster


def test_the_demo_organiser_sees_snapshots_beside_registered_photos_with_one_flagged(app, client, monkeypatch):
    """With the default face detector on, every demo photo and 人像抓拍 passes it (real faces from packages); the
    flagged safety manager's minutes after their last snapshot are held as 待复核 until the organiser reviews — whatever
    the server's random moments (the draw is not fixed here)."""
    monkeypatch.setitem(app.config, "FACE_DETECTOR", "dlib")
    assert seed_demo() is True
    db.session.commit()
    shots = db.session.scalars(sa.select(Snapshot)).all()
    assert len(shots) >= 8 and {s.face_detector for s in shots} == {"dlib"}
    assert db.session.scalar(sa.select(sa.func.count(Person.id)).where(Person.photo_phash != "")) >= 12
    flagged = db.session.scalars(sa.select(Snapshot).where(Snapshot.needs_review.is_(True))).one()
    assert flagged.credit_held and held.held_by_snapshot([flagged.id])[flagged.id] > 0
    training_class = db.session.scalars(sa.select(TrainingClass).where(TrainingClass.title.contains("再培训班"))).one()
    page = log_in(client, "enterprise").get(f"/training/classes/{training_class.id}").get_data(as_text=True)
    assert "人像抓拍" in page and "待复核 1" in page
    members = re.findall(rf"/training/classes/{training_class.id}/members/(\d+)/snapshots", page)
    flagged = [
        html
        for html in (
            client.get(f"/training/classes/{training_class.id}/members/{m}/snapshots").get_data(as_text=True)
            for m in members
        )
        if "待复核：与登记照片不符" in html
    ]
    assert len(members) >= 2 and len(flagged) == 1 and 'data-testid="registered-photo"' in flagged[0]
    assert len(re.findall(r'data-testid="held-minutes"', page)) == 1


def test_the_demo_institution_has_applications_to_decide_and_the_worker_continues_learning(app, client):
    assert seed_demo() is True
    db.session.commit()
    applications = log_in(client, "institution").get("/training/applications").get_data(as_text=True)
    assert applications.count("待审核") == 2 and "金陵化工有限公司" in applications
    invited = log_in(client, "enterprise2").get("/training/applications").get_data(as_text=True)
    assert "低压电工作业 复审培训（报名中，演示）" in invited and "欢迎报名（演示）" in invited
    home = log_in(client, "worker").get("/").get_data(as_text=True)
    assert "继续学习" in home and "已获 0.33 / 2 学时" in home


@pytest.mark.parametrize("offsets", [[100, 110], [1075, 1079]], ids=["two-between-beats", "late"])
def test_the_demo_flagged_snapshot_holds_minutes_on_a_draw_that_once_left_none(app, monkeypatch, offsets):
    """Both random snapshots between two heartbeats (the flagged one's window closed before any) or both at the end:
    the flagged snapshot still holds minutes."""
    monkeypatch.setattr(schedule, "draw_offsets", lambda span, count: offsets[: count - 1])
    assert seed_demo() is True
    db.session.commit()
    flagged = db.session.scalars(sa.select(Snapshot).where(Snapshot.needs_review.is_(True))).one()
    assert flagged.credit_held and held.held_by_snapshot([flagged.id])[flagged.id] > 0
