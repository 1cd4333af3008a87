"""A full 证件号码 shown to an API client goes into the person's 查阅记录 — the client by name, the route — and a bulk
export is one row per call naming its scope and count, shown to each person it covered."""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.extensions import db
from app.people.models import AccessLogEntry


def rows() -> list[tuple]:
    return db.session.execute(
        sa.select(
            AccessLogEntry.person_id,
            AccessLogEntry.client_name,
            AccessLogEntry.endpoint,
            AccessLogEntry.viewer_org,
            AccessLogEntry.row_count,
            AccessLogEntry.scope_region,
            AccessLogEntry.scope_label,
        ).order_by(AccessLogEntry.id)
    ).all()


def test_a_full_number_shown_to_a_client_is_logged_per_person_and_call(aw, api):
    person = aw.w.person_a
    detail = api.get(f"/api/v1/persons/{aw.objects['person']}", headers=aw.headers("nanjing")).get_json()
    assert detail["id_number"] == person.id_number
    found = api.post(
        "/api/v1/persons/lookup", json={"id_number": person.id_number}, headers=aw.headers("nanjing")
    ).get_json()
    assert found["id_number"] == person.id_number
    listed = api.get("/api/v1/certificates", headers=aw.headers("nanjing")).get_json()["data"]
    assert [c["holder"]["id_number"] for c in listed] == [person.id_number]  # number and holder: one person
    assert rows() == [
        (person.id, "nanjing", "/api/v1/persons/<person>", "南京市应急管理局", None, "", ""),
        (person.id, "nanjing", "/api/v1/persons/lookup", "南京市应急管理局", None, "", ""),
        (person.id, "nanjing", "/api/v1/certificates", "南京市应急管理局", None, "", ""),
    ]


def test_masked_numbers_and_refused_calls_are_not_logged(aw, api):
    masked = api.get(f"/api/v1/persons/{aw.objects['person']}", headers=aw.headers("enterprise A")).get_json()
    assert masked["id_number_masked"] is True
    assert api.get("/api/v1/certificates", headers=aw.headers("enterprise A")).status_code == 200
    assert api.get(f"/api/v1/persons/{aw.objects['person']}", headers=aw.headers("suzhou")).status_code == 404
    assert rows() == []


def test_a_bulk_export_is_one_row_naming_its_scope_and_count(aw, api):
    export = api.get("/api/v1/exports/certificates.ndjson", headers=aw.headers("nanjing"))
    lines = [json.loads(line) for line in export.get_data(as_text=True).splitlines()]
    assert lines[-1]["count"] == 1 and not lines[0]["holder"]["id_number_masked"]
    results = api.get("/api/v1/exports/exam-results.ndjson", headers=aw.headers("nanjing"))
    count = json.loads(results.get_data(as_text=True).splitlines()[-1])["count"]
    assert count >= 1
    assert rows() == [
        (None, "nanjing", "/api/v1/exports/certificates.ndjson", "南京市应急管理局", 1, "3201", "证书 · 南京市"),
        (
            None,
            "nanjing",
            "/api/v1/exports/exam-results.ndjson",
            "南京市应急管理局",
            count,
            "3201",
            "考试成绩 · 南京市",
        ),
    ]
    api.get("/api/v1/exports/certificates.ndjson", headers=aw.headers("enterprise A")).get_data()  # masked: no row
    assert len(rows()) == 2


def test_the_person_sees_api_lookups_by_client_name_and_the_exports_that_covered_them(aw, api, client, login, factory):
    api.get(f"/api/v1/persons/{aw.objects['person']}", headers=aw.headers("nanjing"))
    api.get("/api/v1/exports/certificates.ndjson", headers=aw.headers("nanjing")).get_data()
    api.get("/api/v1/exports/certificates.ndjson", headers=aw.headers("suzhou")).get_data()  # 苏州市: not A's region
    login(aw.w.worker_a)
    html = client.get("/me/access-log").get_data(as_text=True)
    table = html.split('data-testid="access-log"', 1)[1]
    assert table.count('data-client="nanjing"') == 2 and 'data-client="suzhou"' not in table
    assert "数据接口：nanjing" in table and "批量导出：证书 · 南京市（共 1 条）" in table
    # someone employed in 苏州市 only was not covered by 南京市's export (and 苏州市's had no line)
    outsider = factory.employ(aw.w.ent_c, name="陈外地").person
    worker = factory.worker(outsider)
    factory.commit()
    login(worker)
    table = client.get("/me/access-log").get_data(as_text=True).split('data-testid="access-log"', 1)[1]
    assert 'data-client="nanjing"' not in table
    assert 'data-client="suzhou"' not in table  # 苏州市's export showed nobody's full number: nothing to list


def test_the_platform_admin_finds_api_rows_by_client_name(aw, api, client, login):
    api.get(f"/api/v1/persons/{aw.objects['person']}", headers=aw.headers("nanjing"))
    api.get("/api/v1/exports/certificates.ndjson", headers=aw.headers("nanjing")).get_data()
    login(aw.w.platform_admin)
    html = client.get("/access-log?viewer=nanjing").get_data(as_text=True).split('data-testid="access-log"')[1]
    assert "接口：nanjing" in html and "王大锤" in html and "批量导出：证书 · 南京市（共 1 条）" in html
