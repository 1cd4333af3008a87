"""What a client reads, as an integrator would see it: masking by policy, today's certificate status (not the
stored column), history, keyset pages, ETags, times with offsets, the error shape, the export equal to the list,
the public verification limited like the page, and tokens that stop working when rotated or revoked."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.api import clients, ids
from app.api.models import ApiScope
from app.certificates.models import Certificate, CertStatus
from app.core.db import conditional_update
from app.extensions import db
from app.people.models import Post
from app.spotchecks.models import Finding
from tests.api.world import add_client


def test_a_person_by_id_number_is_masked_as_the_policy_says(aw, api):
    number = aw.w.person_a.id_number
    as_authority = api.post("/api/v1/persons/lookup", json={"id_number": number}, headers=aw.headers("nanjing"))
    as_employer = api.post("/api/v1/persons/lookup", json={"id_number": number}, headers=aw.headers("enterprise A"))
    assert as_authority.status_code == as_employer.status_code == 200
    assert as_authority.get_json()["id_number"] == number and not as_authority.get_json()["id_number_masked"]
    masked = as_employer.get_json()
    assert masked["id_number"] == aw.w.person_a.id_masked and masked["id_number_masked"]
    assert number not in as_employer.get_data(as_text=True)
    assert masked["id"] == aw.objects["person"]
    assert [e["enterprise"]["name"] for e in masked["employments"]] == ["玄武化工有限公司"]
    # another tenant: the same 404 as for a number nobody has
    other = api.post("/api/v1/persons/lookup", json={"id_number": number}, headers=aw.headers("enterprise B"))
    nobody = api.post("/api/v1/persons/lookup", json={"id_number": "11010519491231002X"}, headers=aw.headers("nanjing"))
    assert other.status_code == nobody.status_code == 404
    assert (
        other.get_json()
        == nobody.get_json()
        == {"error": {"code": "api.not_found", "message": "未找到，或不在该客户端的可见范围内"}}
    )


def test_the_id_number_never_reaches_the_call_log(aw, api):
    from app.api.models import ApiCall

    api.post("/api/v1/persons/lookup", json={"id_number": aw.w.person_a.id_number}, headers=aw.headers("nanjing"))
    rows = db.session.execute(sa.select(ApiCall.route, ApiCall.objects)).all()
    assert [tuple(r) for r in rows] == [("/api/v1/persons/lookup", [aw.objects["person"]])]
    assert aw.w.person_a.id_number not in json.dumps([list(r) for r in rows])


def test_certificate_status_is_todays_not_the_stored_column(aw, api):
    cert = db.session.get(Certificate, ids.decode("certificate", aw.objects["certificate"]))
    # the stored status is stale (the nightly job has not run): the API computes today's
    db.session.execute(
        conditional_update(Certificate)
        .where(Certificate.id == cert.id)
        .values(valid_to=date.today() - timedelta(days=1), status=CertStatus.VALID)
    )
    db.session.commit()
    one = api.get(f"/api/v1/certificates/{aw.objects['certificate']}", headers=aw.headers("nanjing")).get_json()
    assert (one["status"], one["status_name"]) == ("out_of_date", "过期")
    assert one["next_obligation"] is None
    assert [h["kind"] for h in one["history"]] == ["issued"]
    assert one["history"][0]["at"].endswith("+08:00")
    listed = api.get("/api/v1/certificates?status=out_of_date", headers=aw.headers("nanjing")).get_json()
    assert [c["id"] for c in listed["data"]] == [aw.objects["certificate"]]
    assert api.get("/api/v1/certificates?status=valid", headers=aw.headers("nanjing")).get_json()["data"] == []


def test_certificate_number_is_masked_where_the_id_number_is(aw, api):
    mine = api.get(f"/api/v1/certificates/{aw.objects['certificate']}", headers=aw.headers("enterprise A")).get_json()
    authority = api.get(f"/api/v1/certificates/{aw.objects['certificate']}", headers=aw.headers("nanjing")).get_json()
    assert authority["number"] == "T" + aw.w.person_a.id_number
    assert (
        mine["number"].startswith("T3201") and "*" in mine["number"] and aw.w.person_a.id_number not in mine["number"]
    )
    assert mine["holder"]["id_number_masked"] and not authority["holder"]["id_number_masked"]


def test_keyset_pages_walk_everything_once(aw, api, factory):
    for i in range(5):
        factory.enterprise(name=f"翻页企业{i}", region="320102")
    factory.commit()
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/enterprises?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(url, headers=aw.headers("nanjing")).get_json()
        seen += [e["id"] for e in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    everything = api.get("/api/v1/enterprises?limit=200", headers=aw.headers("nanjing")).get_json()["data"]
    assert seen == [e["id"] for e in everything] and len(seen) == 7 and pages == 4
    forged = api.get("/api/v1/enterprises?cursor=cur_" + "a" * 32, headers=aw.headers("nanjing"))
    assert forged.status_code == 400 and forged.get_json()["error"]["code"] == "api.bad_cursor"


def test_etag_and_if_none_match(aw, api):
    url = f"/api/v1/certificates/{aw.objects['certificate']}"
    first = api.get(url, headers=aw.headers("nanjing"))
    tag = first.headers["ETag"]
    again = api.get(url, headers=aw.headers("nanjing", **{"If-None-Match": tag}))
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == tag
    assert first.headers["Cache-Control"] == "private, no-cache"
    # a change makes a new tag
    cert = db.session.get(Certificate, ids.decode("certificate", aw.objects["certificate"]))
    from app.certificates import decisions

    decisions.suspend(cert, actor=aw.w.regulator_nj, reason="违章", doc_number="（宁）暂〔2026〕1号")
    db.session.commit()
    changed = api.get(url, headers=aw.headers("nanjing", **{"If-None-Match": tag}))
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert changed.get_json()["status"] == "suspended"
    assert [h["kind"] for h in changed.get_json()["history"]] == ["issued", "suspended"]


def test_training_ledger_and_completions(aw, api, factory):
    from tests.training.world import trained

    url = f"/api/v1/enterprises/{aw.objects['enterprise']}/training-ledger"
    [before] = api.get(url, headers=aw.headers("enterprise A")).get_json()["rows"]  # the world's own 面授 entry
    training_class = trained(aw.w.admin_a, [aw.w.person_a], hours=8, on=date.today(), title="年度再培训")
    factory.commit()
    [row] = api.get(url, headers=aw.headers("enterprise A")).get_json()["rows"]
    assert row["person"]["id"] == aw.objects["person"] and row["done"] == before["done"] + 8 and row["required"] == 20.0
    assert row["short"] == 20.0 - row["done"]
    done = api.get("/api/v1/training/completions", headers=aw.headers("enterprise A")).get_json()["data"]
    assert [(c["person"]["id"], c["training_class"]["id"]) for c in done] == [
        (aw.objects["person"], ids.encode("class", training_class.id))
    ]
    assert done[0]["completed_at"].endswith("+08:00")
    person = api.get(f"/api/v1/persons/{aw.objects['person']}/training", headers=aw.headers("enterprise A")).get_json()
    assert person["hours_done"] == row["done"]
    mine = [c for c in person["classes"] if c["id"] == ids.encode("class", training_class.id)]
    assert mine and mine[0]["hours"] == 8.0 and mine[0]["exam_passed"] is True and mine[0]["completed_at"]


def test_the_roster_before_an_inspection(aw, api, factory):
    operator = factory.employ(aw.w.ent_a, name="电工甲", post=Post.SPECIAL_OPERATOR)
    factory.commit()
    roster = api.get(f"/api/v1/enterprises/{aw.objects['enterprise']}/roster", headers=aw.headers("nanjing")).get_json()
    [line] = roster["lines"]
    assert line["person"]["id"] == ids.encode("person", operator.person.id)
    assert (line["post"], line["certificate"], line["holds"]) == ("special_operator", None, False)
    assert line["hours"] == {"year": date.today().year, "required": 20.0, "done": 0.0, "short": 20.0}
    assert (roster["required"], roster["holding"]) == (1, 0)


def test_exports_are_the_lists_line_by_line(aw, api):
    listed = api.get("/api/v1/certificates", headers=aw.headers("enterprise A")).get_json()["data"]
    export = api.get("/api/v1/exports/certificates.ndjson", headers=aw.headers("enterprise A"))
    assert export.status_code == 200 and export.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in export.get_data(as_text=True).splitlines()]
    assert lines[-1] == {"end": True, "count": len(listed)}
    assert lines[:-1] == listed
    results = api.get("/api/v1/exam-results", headers=aw.headers("nanjing")).get_json()["data"]
    export = api.get("/api/v1/exports/exam-results.ndjson", headers=aw.headers("nanjing"))
    lines = [json.loads(line) for line in export.get_data(as_text=True).splitlines()]
    assert lines[:-1] == results and lines[-1]["count"] == len(results) >= 1


def test_public_verification_is_masked_and_limited_like_the_page(aw, api, app, monkeypatch):
    monkeypatch.setitem(app.config, "CERT_VERIFY_LIMIT", 3)
    cert = db.session.get(Certificate, ids.decode("certificate", aw.objects["certificate"]))
    found = api.get(f"/api/v1/verify/{cert.verify_code}")
    assert found.status_code == 200
    [record] = found.get_json()["records"]
    assert record["name"] == "王*锤" and record["status"] == "有效" and "*" in record["number"]
    by_number = api.post("/api/v1/verify", json={"by": "number", "key": cert.number, "name": "王大锤"})
    assert by_number.status_code == 200 and by_number.get_json()["records"] == [record]
    wrong_name = api.post("/api/v1/verify", json={"by": "number", "key": cert.number, "name": "李四"})
    assert wrong_name.status_code == 404 and wrong_name.get_json()["error"]["message"] == "未查询到相关证书信息"
    limited = api.get(f"/api/v1/verify/{cert.verify_code}")
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "cert.verify_limited"
    # the page shares the address's allowance
    assert api.get(f"/v/{cert.verify_code}").status_code == 429


def test_rate_limited_per_client(aw, api):
    aw.clients["enterprise B"].rate_limit = 2
    db.session.commit()
    statuses = [api.get("/api/v1/me", headers=aw.headers("enterprise B")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = api.get("/api/v1/me", headers=aw.headers("enterprise B"))
    assert int(refused.headers["Retry-After"]) >= 1 and refused.get_json()["error"]["code"] == "api.rate_limited"
    assert api.get("/api/v1/me", headers=aw.headers("enterprise C")).status_code == 200  # per client


@pytest.mark.limited_auth
def test_failed_token_checks_are_limited_per_address(aw, api, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_AUTH_FAILURES", 3)
    wrong = [api.get("/api/v1/me", headers={"Authorization": "Bearer anpei_guess"}).status_code for _ in range(5)]
    assert wrong == [401, 401, 401, 429, 429]
    assert api.get("/api/v1/me").get_json()["error"]["code"] == "api.rate_limited"
    # a valid token from the same address still works: the limit is no weapon against a client behind the same NAT
    assert api.get("/api/v1/me", headers=aw.headers("nanjing")).status_code == 200
    elsewhere = api.get("/api/v1/me", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert elsewhere.status_code == 401


def test_rotated_and_revoked_tokens_stop_at_once(aw, api):
    old = aw.tokens["enterprise A"]
    client = aw.clients["enterprise A"]
    fresh = clients.rotate_token(client, actor=aw.w.platform_admin).token
    db.session.commit()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    clients.revoke(client, actor=aw.w.platform_admin)
    db.session.commit()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 401
    # only a hash is stored
    assert fresh not in json.dumps([str(v) for v in db.session.execute(sa.text("SELECT * FROM api_clients")).all()])


def test_an_enterprise_client_cannot_hold_inspections_write(aw):
    from app.core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        add_client(aw, "bad", aw.w.ent_a, [ApiScope.INSPECTIONS_WRITE.value])
    assert refused.value.code == "api_client.scope_not_allowed"
    with pytest.raises(DomainError) as outside:
        add_client(aw, "far", aw.w.ent_c, ["persons:read"], actor=aw.w.regulator_nj)
    assert outside.value.code == "api_client.tenant_out_of_scope"


def test_the_error_shape_for_a_body_that_does_not_validate(aw, api):
    response = api.post(
        f"/api/v1/inspections/{aw.objects['closed_inspection']}/findings",
        json={"officer": aw.w.regulator_nj.username, "person": aw.objects["person"], "action": "x", "deadline": "soon"},
        headers=aw.headers("nanjing", **{"Idempotency-Key": "k1"}),
    )
    assert response.status_code == 422
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == "api.invalid_request"
    assert "deadline" in body["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) == 1
