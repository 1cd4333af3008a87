"""Every figure is scoped as the lists are: for each role, a region's figures (from the rollups) equal the count over
the enterprises ``app.people.scope.visible_enterprise_ids`` gives it, and nobody reaches a place outside its scope —
not the dashboard, not a list, not an export."""

from __future__ import annotations

import pytest

from app.auth.models import Role
from app.dashboards import rollups, scope, tiles
from app.dashboards.metrics import METRICS
from app.dashboards.scope import Place
from app.dashboards.window import Ctx
from app.extensions import db
from app.people import scope as people_scope


def counted_over_visible(user, today) -> dict:
    """Each metric counted over everything ``user`` sees, as the people scope gives it."""
    ctx = Ctx.on(today)
    out = {}
    for key, metric in METRICS.items():
        aggs = metric.aggregate(ctx, people_scope.visible_enterprise_ids(user))
        out[key] = (sum(a.num for a in aggs), sum(a.den for a in aggs))
    return out


def test_a_region_figure_equals_the_count_over_what_the_role_sees(dw):
    rollups.refresh_all(dw.today)
    db.session.commit()
    for user in (dw.w.platform_admin, dw.w.regulator_nj, dw.w.regulator_sz):
        place = scope.resolve(user)
        figures = tiles.region_figures(place)
        expected = counted_over_visible(user, dw.today)
        assert {k: (v.num, v.den) for k, v in figures.values.items()} == expected, user.username
    sz = tiles.region_figures(scope.resolve(dw.w.regulator_sz))
    assert (sz["licensed"].num, sz["licensed"].den) == (1, 1)  # 苏州's own operator only
    assert sz["spotcheck"].den == 0 and sz["findings_open"].num == 0


def test_an_enterprise_sees_only_itself(dw, client, login):
    for admin in (dw.w.admin_a, dw.w.admin_b):
        place = scope.resolve(admin)
        assert place.enterprise.id == admin.enterprise_id
        assert {k: (v.num, v.den) for k, v in tiles.live_figures(admin, place).values.items()} == counted_over_visible(
            admin, dw.today
        )
    login(dw.w.admin_b)
    assert client.get("/dashboard", query_string={"enterprise": dw.w.ent_a.id}).status_code == 404
    assert client.get("/dashboard/lists/licensed", query_string={"enterprise": dw.w.ent_a.id}).status_code == 404
    page = client.get("/dashboard/lists/licensed", query_string={"region": "320102"}).get_data(as_text=True)
    assert "电工0" not in page  # A's people: a region argument does not widen an enterprise's scope


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard?region=320500",
        "/dashboard?region=320505",
        "/dashboard?region=320000",
        "/dashboard.pdf?region=320500",
        "/dashboard/lists/licensed?region=320505",
        "/dashboard/lists/spotcheck.xlsx?region=320500",
        "/dashboard?region=999999",
        "/dashboard?region=3201",
    ],
)
def test_a_regulator_cannot_drill_outside_its_jurisdiction(dw, client, login, url):
    login(dw.w.regulator_nj)
    assert client.get(url).status_code == 404


def test_a_regulator_cannot_open_another_citys_enterprise(dw, client, login):
    login(dw.w.regulator_nj)
    for url in ("/dashboard", "/dashboard/lists/certs_due_60", "/dashboard/lists/licensed.xlsx"):
        assert client.get(url, query_string={"enterprise": dw.w.ent_c.id}).status_code == 404
    assert client.get("/dashboard", query_string={"enterprise": dw.w.ent_a.id}).status_code == 200


def test_workers_have_no_dashboard_and_institutions_no_enterprise_lists(dw, client, login, factory):
    login(dw.w.worker_a)
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/lists/licensed").status_code == 403
    institution = factory.institution("320102")
    user = factory.user(Role.INSTITUTION, institution_id=institution.id)
    factory.commit()
    login(user)
    assert client.get("/dashboard").status_code == 200
    assert client.get("/dashboard/lists/licensed").status_code == 404
    assert db.session.scalars(scope.enterprise_ids(user, Place("institution", "", institution=institution))).all() == []
