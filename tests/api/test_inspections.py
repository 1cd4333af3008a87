"""An enforcement system's write path: it opens an inspection with its officers (the 逢查必考 sample drawn, a ticket
per person with the link to show), closes it with its conclusion (tickets graded, a finding per failure), pushes a
finding of its own and closes a finding — each POST under an Idempotency-Key, so a retry creates nothing twice."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app.api import ids
from app.core.db import utcnow
from app.extensions import db
from app.people.models import Post
from app.spotchecks.models import Finding, Inspection, SpotCheckTicket, TicketState

COUNT = sa.select(sa.func.count()).select_from(Inspection)


def _open(aw, api, key="open-1", **overrides):
    body = {
        "enterprise": aw.objects["enterprise"],
        "inspected_on": date.today().isoformat(),
        "doc_number": "（宁）应急检〔2026〕88号",
        "officers": [aw.w.regulator_nj.username],
        "sample": {"principal": 0, "safety_manager": 0, "special_operator": 1, "worker": 1},
        **overrides,
    }
    return api.post("/api/v1/inspections", json=body, headers=aw.headers("nanjing", **{"Idempotency-Key": key}))


def test_open_an_inspection_with_its_officers(aw, api, factory):
    factory.employ(aw.w.ent_a, name="电工乙", post=Post.SPECIAL_OPERATOR)
    factory.commit()
    before = db.session.scalar(COUNT)
    response = _open(aw, api)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "open" and body["doc_number"] == "（宁）应急检〔2026〕88号"
    assert body["officers"] == aw.w.regulator_nj.label
    assert body["test_closes_at"].endswith("+08:00")
    assert sorted(t["post"] for t in body["tickets"]) == ["special_operator", "worker"]
    for ticket in body["tickets"]:
        assert ticket["entry_url"].startswith("http://localhost/s/") and len(ticket["code"]) == 6
    assert db.session.scalar(COUNT) == before + 1
    inspection = db.session.get(Inspection, ids.decode("inspection", body["id"]))
    assert inspection.regulator_id == aw.w.regulator_nj.id
    # a read client of the authority sees the results but not the tickets' secrets
    read = api.get(f"/api/v1/inspections/{body['id']}", headers=aw.headers("nanjing persons only"))
    assert read.status_code == 403
    as_enterprise = api.get(f"/api/v1/inspections/{body['id']}", headers=aw.headers("enterprise A")).get_json()
    assert {t["entry_url"] for t in as_enterprise["tickets"]} == {None}


def test_a_retried_open_creates_nothing_twice(aw, api):
    before = db.session.scalar(COUNT)
    first = _open(aw, api, key="retry-me")
    again = _open(aw, api, key="retry-me")
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert again.get_data() == first.get_data()
    assert db.session.scalar(COUNT) == before + 1
    # the same key for another request is refused, and opens nothing
    other = _open(aw, api, key="retry-me", doc_number="另一份文书")
    assert other.status_code == 422 and other.get_json()["error"]["code"] == "api.idempotency_key_reused"
    assert db.session.scalar(COUNT) == before + 1
    # another client may use the same key for its own request
    missing = api.post("/api/v1/inspections", json={}, headers=aw.headers("nanjing"))
    assert missing.status_code == 400 and missing.get_json()["error"]["code"] == "api.idempotency_key_required"


def test_a_refused_post_keeps_no_key(aw, api):
    refused = _open(aw, api, key="try-again", officers=[aw.w.regulator_sz.username])
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "api.officer_unknown"
    assert "苏州" not in refused.get_json()["error"]["message"]
    fixed = _open(aw, api, key="try-again")  # the same key, another body: allowed, the first left nothing
    assert fixed.status_code == 201
    unknown = _open(aw, api, key="k3", officers=["nobody-here"])
    assert unknown.get_json() == {
        "error": {"code": "api.officer_unknown", "message": "执法人员账号无效或不在本辖区：nobody-here"}
    }


def test_close_with_conclusion_then_push_and_close_findings(aw, api, factory):
    operator = factory.employ(aw.w.ent_a, name="电工丙", post=Post.SPECIAL_OPERATOR).person
    factory.commit()
    opened = _open(aw, api, key="o").get_json()
    officer = aw.w.regulator_nj.username
    # the operator passed on site (as the phone would have recorded), person A never came
    ticket = db.session.scalar(
        sa.select(SpotCheckTicket).where(
            SpotCheckTicket.inspection_id == ids.decode("inspection", opened["id"]),
            SpotCheckTicket.person_id == operator.id,
        )
    )
    ticket.graded_at, ticket.passed, ticket.score, ticket.max_score = utcnow(), True, 90.0, 100.0
    ticket.answered, ticket.status = True, TicketState.DONE
    db.session.commit()
    url = f"/api/v1/inspections/{opened['id']}"
    early = api.post(
        f"{url}/findings",
        json={
            "officer": officer,
            "person": ids.encode("person", operator.id),
            "action": "持证上岗",
            "deadline": "2030-01-01",
        },
        headers=aw.headers("nanjing", **{"Idempotency-Key": "f0"}),
    )
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "api.inspection_open"

    closed = api.post(
        f"{url}/close",
        json={"officer": officer, "conclusion": "现场检查发现特种作业人员证件未随身携带"},
        headers=aw.headers("nanjing", **{"Idempotency-Key": "c1"}),
    )
    assert closed.status_code == 200, closed.get_json()
    body = closed.get_json()
    assert body["status"] == "closed" and body["conclusion"] == "现场检查发现特种作业人员证件未随身携带"
    results = {t["person"]["id"]: (t["status"], t["passed"]) for t in body["tickets"]}
    assert results[ids.encode("person", operator.id)] == ("done", True)
    assert results[aw.objects["person"]] == ("absent", False)
    assert [f["person"]["id"] for f in body["findings"]] == [aw.objects["person"]]

    deadline = (date.today() + timedelta(days=30)).isoformat()
    pushed = api.post(
        f"{url}/findings",
        json={
            "officer": officer,
            "person": ids.encode("person", operator.id),
            "action": "随身携带证件",
            "deadline": deadline,
        },
        headers=aw.headers("nanjing", **{"Idempotency-Key": "f1"}),
    )
    assert pushed.status_code == 201, pushed.get_json()
    finding = pushed.get_json()
    assert (finding["action"], finding["deadline"], finding["status"]) == ("随身携带证件", deadline, "open")
    twice = api.post(
        f"{url}/findings",
        json={
            "officer": officer,
            "person": ids.encode("person", operator.id),
            "action": "再来一次",
            "deadline": deadline,
        },
        headers=aw.headers("nanjing", **{"Idempotency-Key": "f2"}),
    )
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "finding.exists"
    stranger = factory.employ(aw.w.ent_a, name="未抽中", post=Post.WORKER).person
    factory.commit()
    absent = api.post(
        f"{url}/findings",
        json={"officer": officer, "person": ids.encode("person", stranger.id), "action": "x", "deadline": deadline},
        headers=aw.headers("nanjing", **{"Idempotency-Key": "f3"}),
    )
    assert absent.status_code == 422 and absent.get_json()["error"]["code"] == "api.not_in_inspection"

    no_reason = api.post(
        f"/api/v1/findings/{finding['id']}/close",
        json={"officer": officer},
        headers=aw.headers("nanjing", **{"Idempotency-Key": "x1"}),
    )
    assert no_reason.status_code == 409 and no_reason.get_json()["error"]["code"] == "finding.no_passed_makeup"
    done = api.post(
        f"/api/v1/findings/{finding['id']}/close",
        json={"officer": officer, "reason": "复查时已随身携带"},
        headers=aw.headers("nanjing", **{"Idempotency-Key": "x2"}),
    )
    assert done.status_code == 200 and done.get_json()["status"] == "closed"
    stored = db.session.get(Finding, ids.decode("finding", finding["id"]))
    assert stored.closed_by_id == aw.w.regulator_nj.id and stored.close_override == "复查时已随身携带"
    # the enterprise reads what happened
    seen = api.get(f"/api/v1/inspections/{opened['id']}", headers=aw.headers("enterprise A")).get_json()
    assert {f["status"] for f in seen["findings"]} == {"open", "closed"}
