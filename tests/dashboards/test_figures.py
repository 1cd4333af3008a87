"""Each figure of the dashboard counts what its list lists, for one enterprise (live) and a region (rollups)."""

from __future__ import annotations

import io
import re
import subprocess

import pikepdf
import pytest
import sqlalchemy as sa

from app.dashboards import lists, rollups, scope, tiles
from app.dashboards.tiles import FIGURES
from app.dashboards.window import Ctx
from app.extensions import db


def list_counts(client, key: str, **args) -> tuple[int, int | None]:
    html = client.get(f"/dashboard/lists/{key}", query_string=args).get_data(as_text=True)
    match = re.search(r'data-testid="list-total" data-total="(\d+)"(?: data-hits="(\d+)")?', html)
    assert match, html[:2000]
    return int(match.group(1)), int(match.group(2)) if match.group(2) is not None else None


def test_the_enterprise_figures_are_counted_live(dw, client, login):
    login(dw.w.admin_a)
    figures = tiles.live_figures(dw.w.admin_a, scope.resolve(dw.w.admin_a))
    assert (figures["licensed"].num, figures["licensed"].den) == (2, 5)  # ops 0 and 1 hold; 2 lapsed, 3 暂扣; manager
    assert (figures["theory_first"].num, figures["theory_first"].den) == (2, 3)
    assert (figures["practical_first"].num, figures["practical_first"].den) == (1, 2)
    assert (figures["spotcheck"].num, figures["spotcheck"].den) == (2, 3)
    assert figures["findings_open"].num == 1 and figures["findings_overdue"].num == 1
    assert figures["certs_due_60"].num == 1 and figures["certs_due_90"].num == 1
    assert figures["certs_lapsed"].num == 1 and figures["certs_suspended"].num == 1
    assert figures["managers_overdue"].num == 1
    assert figures["snapshots_flagged"].num == 1 and figures["gate_overrides"].num == 1
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'data-figure="licensed" data-num="2" data-den="5"' in page
    for key, figure in FIGURES.items():
        value = figures[key]
        total, hits = list_counts(client, key)
        if figure.is_rate:
            assert (total, hits) == (value.den, value.num), key
        else:
            assert total == value.num, key


def test_region_figures_add_up_the_rollups_and_equal_the_lists(dw, client, login):
    run = rollups.refresh_all(dw.today)
    db.session.commit()
    assert run.enterprises == 3
    checked, mismatches = rollups.verify(Ctx.on(dw.today), sample=None)
    assert (checked, mismatches) == (3, [])
    regulator = dw.w.regulator_nj
    login(regulator)
    for region in ("320100", "320102", "320115"):
        place = scope.resolve(regulator, region=region)
        figures = tiles.region_figures(place)
        live = tiles.live_figures(regulator, place)
        for key, figure in FIGURES.items():
            assert (figures[key].num, figures[key].den) == (live[key].num, live[key].den), (region, key)
            total, hits = list_counts(client, key, region=region)
            assert total == (figures[key].den if figure.is_rate else figures[key].num), (region, key)
            assert hits == (figures[key].num if figure.is_rate else None), (region, key)
    city = tiles.region_figures(scope.resolve(regulator, region="320100"))
    assert (city["licensed"].num, city["licensed"].den) == (2, 6)  # B's operator holds nothing; C is 苏州's
    assert (city["spotcheck"].num, city["spotcheck"].den) == (3, 4)


def test_the_dashboard_prints_on_one_page(dw, client, login):
    rollups.refresh_all(dw.today)
    db.session.commit()
    login(dw.w.regulator_nj)
    response = client.get("/dashboard.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    with pikepdf.open(io.BytesIO(response.data)) as pdf:
        assert len(pdf.pages) == 1
    text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True).stdout.decode()
    assert "持证上岗率" in text and "33.3%（2/6）" in text and "玄武区" in text


def test_a_list_too_long_to_count_in_python_asks_to_drill_down(dw, client, login, monkeypatch):
    monkeypatch.setattr(lists, "RETRAINING_MAX", 3)  # the city has 9 people in post
    login(dw.w.regulator_nj)
    response = client.get("/dashboard/lists/retraining")
    assert response.status_code == 302 and response.location == "/dashboard?region=320100"
    assert "请下钻到市、区县或企业后查看" in client.get("/dashboard").get_data(as_text=True)
    assert list_counts(client, "retraining", enterprise=dw.w.ent_b.id) == (1, 0)


def test_the_sql_figures_agree_with_the_pages_that_count_in_python(dw):
    """持证上岗 and the 6-month rule as ``app.certificates.compliance`` counts them (dates and rules in Python)."""
    from app.certificates import compliance
    from app.dashboards.metrics import METRICS
    from app.training import hours

    ctx = Ctx.on(dw.today)
    for enterprise in (dw.w.ent_a, dw.w.ent_b, dw.w.ent_c):
        report = compliance.report(enterprise, dw.today)
        cells = METRICS["licensed"].aggregate(ctx, [enterprise.id])
        assert (sum(c.num for c in cells), sum(c.den for c in cells)) == (report.holding, report.required)
        assert report.required > 0
        overdue = {line.employment.id for line in compliance.overdue_appointments(dw.today, [enterprise.id])}
        rows = db.session.execute(METRICS["managers_overdue"].rows(ctx, [enterprise.id])).all()
        assert {r.employment_id for r in rows} == overdue
        ledger = hours.year_ledger(enterprise, dw.today.year)
        [retraining] = METRICS["retraining"].aggregate(ctx, [enterprise.id])
        assert (retraining.num, retraining.den) == (sum(1 for r in ledger if r.short == 0), len(ledger))
    assert {r.employment_id for r in db.session.execute(METRICS["managers_overdue"].rows(ctx, [dw.w.ent_a.id]))} == {
        dw.manager.id
    }


def test_a_districts_enterprises_come_a_page_at_a_time_lowest_rate_first(dw, client, login, factory):
    """A district may hold thousands of enterprises: its drill-down table shows 50, the lowest 持证上岗率 first,
    with a pager that keeps the district; the next page holds the rest."""
    from app.dashboards.models import Rollup

    rollups.refresh_all(dw.today)
    month = Ctx.on(dw.today).month
    for i in range(55):
        ent = factory.enterprise(name=f"分页企业{i:02d}", region="320102")
        db.session.add(
            Rollup(enterprise_id=ent.id, region_code="320102", metric="licensed", month=month, num=i + 1, den=100)
        )
    factory.commit()
    in_district = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Rollup.enterprise_id))).where(Rollup.region_code == "320102")
    )
    login(dw.w.regulator_nj)

    def shown(page: int) -> tuple[list[str], str]:
        html = client.get("/dashboard", query_string={"region": "320102", "page": page}).get_data(as_text=True)
        table = html[html.index('data-testid="children"') :]
        return re.findall(r'<td><a href="/dashboard\?enterprise=\d+">([^<]+)</a></td>', table), table

    first, table = shown(1)
    assert len(first) == 50 and first[:3] == ["分页企业00", "分页企业01", "分页企业02"]  # 1 %, 2 %, 3 %
    assert f"第 1 / 2 页，共 {in_district} 条" in table
    assert re.search(r'href="/dashboard\?(?=[^"]*page=2)(?=[^"]*region=320102)[^"]*">下一页</a>', table)
    second, _table = shown(2)
    assert len(second) == in_district - 50 and not set(first) & set(second)
    assert "分页企业54" in second  # 55 %: after the first page's 50 lowest


@pytest.mark.parametrize("value", ["²", "9" * 5000, "99999999999999999999", "-1"])
def test_a_page_or_enterprise_that_is_no_number_shows_the_dashboard(dw, client, login, value):
    """Whatever the query string says, the dashboard answers with a page (the first), never an error."""
    rollups.refresh_all(dw.today)
    db.session.commit()
    login(dw.w.regulator_nj)
    for args in ({"region": "320102", "page": value}, {"enterprise": value}):
        response = client.get("/dashboard", query_string=args)
        assert response.status_code == 200 and 'data-testid="tile-licensed"' in response.get_data(as_text=True), args
