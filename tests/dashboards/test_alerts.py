"""The bell: each role gets the alerts of its kinds, once each, beside the certificate reminders; the header counts
them unread until the page is opened and marked read."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from app.auth.models import Role
from app.core.db import utcnow
from app.dashboards import alerts, exits, rollups
from app.dashboards.models import Alert
from app.extensions import db
from app.people.models import ImportBatch, Snapshot, SnapshotContext
from tests.dashboards.world import inspection
from tests.training.world import trained


def kinds_of(user) -> set[str]:
    return set(db.session.scalars(sa.select(Alert.kind).where(Alert.user_id == user.id)))


def test_each_role_gets_its_kinds_once(dw, factory):
    w, today = dw.w, dw.today
    # person A fails 逢查必考 twice: a 退出 recommendation (to A's admins, the regulators over it, person A)
    inspection(w.ent_a, w.regulator_nj, today - timedelta(days=40), [(w.person_a, False)])
    inspection(w.ent_a, w.regulator_nj, today - timedelta(days=2), [(w.person_a, False)])
    assert len(exits.recommend(today)) == 1
    # an institution's class with a flagged snapshot; a roster import A's admin uploaded
    institution = factory.institution("320102")
    inst_user = factory.user(Role.INSTITUTION, institution_id=institution.id)
    training_class = trained(inst_user, [dw.operators[0].person], hours=1, exam_passed=None)
    db.session.add(
        Snapshot(
            person_id=dw.operators[0].person_id,
            context=SnapshotContext.LESSON,
            ref_id=training_class.id,
            storage_key="s/2.jpg",
            sha256="1" * 64,
            needs_review=True,
        )
    )
    db.session.add(
        ImportBatch(
            token="t" * 32,
            enterprise_id=w.ent_a.id,
            user_id=w.admin_a.id,
            filename="花名册.xlsx",
            rows_enc=b"",
            problems="[]",
            row_count=12,
            state="ready",
        )
    )
    rollups.refresh_all(today)  # the 学时 alert reads the month's rollup
    written = alerts.collect(utcnow(), today)
    assert written > 0
    assert alerts.collect(utcnow(), today) == 0  # each alert once, however often the job runs

    assert kinds_of(w.admin_a) == {"finding", "exit", "hours", "import"}
    assert kinds_of(w.worker_a) == {"finding", "exit"}
    assert kinds_of(w.regulator_nj) == {"overdue", "exit"}
    assert kinds_of(inst_user) == {"snapshot"}
    assert kinds_of(w.admin_b) == {"hours"}  # B's operator is short of this year's 学时
    assert kinds_of(w.regulator_sz) == set() and kinds_of(w.admin_c) == {"hours"}
    lines = [item.line for item in alerts.items_for(w.admin_a.id)]
    assert "导入完成：花名册.xlsx（12 行）" in lines
    assert any(line.startswith("退出建议：王大锤 12个月内逢查必考两次不合格") for line in lines)


def test_the_bell_counts_alerts_and_reminders_until_read(dw, client, login):
    inspection(dw.w.ent_a, dw.w.regulator_nj, dw.today - timedelta(days=40), [(dw.w.person_a, False)])
    inspection(dw.w.ent_a, dw.w.regulator_nj, dw.today - timedelta(days=2), [(dw.w.person_a, False)])
    exits.recommend(dw.today)
    alerts.collect(utcnow(), dw.today)
    db.session.commit()
    expected = alerts.unread_count(dw.w.admin_a.id)
    login(dw.w.admin_a)
    home = client.get("/").get_data(as_text=True)
    assert f'<span class="count">{expected}</span>' in home and 'data-testid="notice-bell"' in home
    assert "退出建议：王大锤" in home  # the home page's top alerts
    page = client.get("/alerts").get_data(as_text=True)
    assert page.count('class="unread"') == expected
    client.post("/alerts")
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="bell"' in home and 'data-testid="notice-bell"' not in home
    assert alerts.unread_count(dw.w.admin_a.id) == 0


def test_marking_all_read_spares_an_alert_that_arrived_while_the_page_was_open(dw, client, login):
    """全部标为已读 marks what the page showed: an alert the collector wrote after the page was rendered stays
    unread, in the bell and on the page, until the user has seen it."""
    user = dw.w.admin_a
    db.session.add(Alert(user_id=user.id, kind="import", ref="seen", params={"file": "旧名单.xlsx", "rows": 3}))
    db.session.commit()
    login(user)
    page = client.get("/alerts").get_data(as_text=True)
    form = page.split('<form method="post" class="actions">', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))  # what the button sends
    db.session.add(Alert(user_id=user.id, kind="import", ref="new", params={"file": "新名单.xlsx", "rows": 5}))
    db.session.commit()  # the collector, while the page is open
    client.post("/alerts", data=fields)
    page = client.get("/alerts").get_data(as_text=True)
    assert page.count('class="unread"') == 1 and "新名单.xlsx" in page.split('class="unread"', 1)[1]
    assert alerts.unread_count(user.id) == 1
