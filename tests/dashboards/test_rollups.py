"""Rollups: refreshed in keyset batches, by what changed, checked against a recount (a wrong rollup is found), read
from the replica when one is configured; and the rules are read once per refresh, not once per person."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.core.db import utcnow
from app.dashboards import replica, rollups, scope, tiles
from app.dashboards.models import RegionRollup, Rollup
from app.dashboards.window import Ctx
from app.extensions import db
from app.people.models import Post
from tests.dashboards.world import certificate


def test_batches_are_keyset_and_a_wrong_rollup_is_found(dw, monkeypatch):
    monkeypatch.setattr(rollups, "BATCH", 1)
    assert list(rollups.enterprise_batches(size=2)) == [
        [dw.w.ent_a.id, dw.w.ent_b.id],
        [dw.w.ent_c.id],
    ]
    rollups.refresh_all(dw.today)
    ctx = Ctx.on(dw.today)
    assert rollups.verify(ctx, sample=None) == (3, [])
    row = db.session.scalars(
        sa.select(Rollup).where(Rollup.enterprise_id == dw.w.ent_a.id, Rollup.metric == "licensed")
    ).one()
    row.num += 1
    region = db.session.scalars(sa.select(RegionRollup).where(RegionRollup.metric == "spotcheck")).first()
    region.den += 5
    db.session.flush()
    _checked, mismatches = rollups.verify(ctx, sample=None)
    found = {(m.what, m.key[1]) for m in mismatches}
    assert ("enterprise", "licensed") in found and ("region", "spotcheck") in found
    assert ("region", "licensed") in found  # the region row no longer equals its enterprises' sum


def test_a_changed_enterprise_is_recounted_without_the_others(dw):
    run = rollups.refresh_all(dw.today)
    db.session.commit()
    before = tiles.region_figures(scope.resolve(dw.w.regulator_nj, region="320115"))
    assert (before["licensed"].num, before["licensed"].den) == (0, 1)
    # B's operator gets a card: B changed (a certificate of its staff), A did not
    certificate(dw.operator_b.person, valid_to=dw.today + timedelta(days=1000), region="320115")
    db.session.commit()
    assert rollups.changed_enterprises(run.started_at) == {dw.w.ent_b.id}
    changed = rollups.refresh_changed(utcnow(), dw.today)
    assert changed.enterprises == 1
    after = tiles.region_figures(scope.resolve(dw.w.regulator_nj, region="320115"))
    assert (after["licensed"].num, after["licensed"].den) == (1, 1)
    assert rollups.verify(Ctx.on(dw.today), sample=None)[1] == []


def test_the_rules_are_read_once_per_refresh_not_per_person(dw, factory):
    for i in range(30):
        factory.employ(dw.w.ent_a, name=f"工人{i}", post=Post.WORKER)
    factory.commit()
    statements = []

    def count(conn, cursor, statement, *args):
        if "rules_rules" in statement:
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        rollups.refresh_all(dw.today)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 2, statements  # the cached book, and nothing per employment


def test_read_only_pages_read_the_replica_when_one_is_set(dw, app, client, login):
    rollups.refresh_all(dw.today)
    db.session.commit()
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    app.extensions[replica.EXTENSION] = engine
    seen = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    try:
        login(dw.w.regulator_nj)
        assert client.get("/dashboard").status_code == 200
        assert client.get("/dashboard/lists/licensed").status_code == 200
        assert any("dash_region_rollups" in s for s in seen) and any("people_employments" in s for s in seen)
    finally:
        del app.extensions[replica.EXTENSION]
        engine.dispose()
    seen.clear()
    assert client.get("/dashboard").status_code == 200  # unset: the primary, as every page
    assert seen == []
