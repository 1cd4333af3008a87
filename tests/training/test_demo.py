"""The demo data's training: the worker sees a running class with the minutes studied, the enterprise its roster."""

from __future__ import annotations

from app.extensions import db
from app.seed.demo import seed_demo
from tests.test_demo_seed import log_in


def test_the_demo_worker_sees_a_class_with_credited_time(app, client):
    assert seed_demo() is True
    db.session.commit()
    mine = log_in(client, "worker").get("/training/mine").get_data(as_text=True)
    assert "主要负责人和安全管理人员 再培训班" in mine and "已获 0.33 / 2 学时" in mine
    roster = log_in(client, "enterprise").get("/training/classes").get_data(as_text=True)
    assert "再培训班" in roster
