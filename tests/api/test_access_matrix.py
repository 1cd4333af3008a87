"""The API's access matrix: walk every ``/api/v1`` route of the URL map (routes added later are covered without
editing this file) and call it

1. without a token, and with a made-up one: 401 everywhere but the public verification;
2. as API clients of other tenants (another city's authority, two other enterprises, an institution), on tenant A's
   objects: 403 or 404 for every method, and no POST or DELETE changes anything;
3. as tenant A's own authority with one scope only (``persons:read``): 403 on every route of another scope;
4. the lists as other tenants: none of tenant A's objects in them (and all of them for tenant A's authority).

URL arguments come from ``API_ARGS`` (argument → one of tenant A's objects); a route with another argument fails
``test_every_api_route_is_in_the_matrix`` until a line is added there.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.api import ids
from app.api.models import ApiCall, WebhookSubscription
from app.api.webhooks import subscriptions
from app.archive.models import ArchiveEvent
from app.auth.access import PUBLIC_ATTR, TOKEN_ATTR
from app.extensions import db
from app.spotchecks.models import Finding, Inspection, SpotCheckTicket
from app.training.models import Enrolment

OUTSIDERS = ("suzhou", "enterprise B", "enterprise C", "institution")


def _api_rules(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, TOKEN_ATTR, False) and not getattr(view, PUBLIC_ATTR, False):
            yield rule, view


def _methods(rule) -> list[str]:
    return [m for m in ("GET", "POST", "PUT", "PATCH", "DELETE") if m in rule.methods]


@pytest.fixture
def matrix(aw):
    """Tenant A's objects by URL argument, plus a webhook subscription of tenant A's authority."""
    subscription = subscriptions.subscribe(
        aw.clients["nanjing"], _principal(aw, "nanjing"), "https://enforcement.example/hook", ["inspection.closed"]
    )
    db.session.commit()
    return {
        "enterprise": aw.objects["enterprise"],
        "person": aw.objects["person"],
        "certificate": aw.objects["certificate"],
        "inspection": aw.objects["closed_inspection"],
        "finding": aw.objects["finding"],
        "subscription": ids.encode("subscription", subscription.id),
    }


def _principal(aw, label):
    from app.api.principal import principal_of

    return principal_of(aw.clients[label])


def _body(aw, endpoint: str) -> dict | None:
    """A plausible body per writing route, so a missing check would show up as a change, not a 422."""
    officer = aw.w.regulator_nj.username
    return {
        "api.inspection_close": {"officer": officer, "conclusion": "矩阵"},
        "api.finding_create": {
            "officer": officer,
            "person": aw.objects["person"],
            "action": "矩阵",
            "deadline": "2030-01-01",
        },
        "api.finding_close": {"officer": officer, "reason": "矩阵"},
    }.get(endpoint)


def _state() -> tuple:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveEvent)),
        tuple(db.session.execute(sa.select(Inspection.id, Inspection.status, Inspection.notes)).all()),
        tuple(db.session.execute(sa.select(Finding.id, Finding.status, Finding.closed_at)).all()),
        tuple(db.session.execute(sa.select(SpotCheckTicket.id, SpotCheckTicket.status)).all()),
        tuple(db.session.execute(sa.select(WebhookSubscription.id, WebhookSubscription.deleted_at)).all()),
        db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)),
    )


def _url(rule, values) -> str:
    return rule.build(values, append_unknown=False)[1]


def test_every_api_route_is_in_the_matrix(app, matrix):
    unmapped = [
        f"{r.endpoint}: {sorted(set(r.arguments) - set(matrix))}"
        for r, _v in _api_rules(app)
        if set(r.arguments) - set(matrix)
    ]
    assert not unmapped, "API routes with arguments the matrix cannot fill:\n" + "\n".join(unmapped)
    assert len(list(_api_rules(app))) >= 20


def test_no_token_no_answer(app, api, aw, matrix):
    failures, checked = [], 0
    for rule, _view in _api_rules(app):
        url = _url(rule, {a: matrix[a] for a in rule.arguments})
        for method in _methods(rule):
            for headers in ({}, {"Authorization": "Bearer anpei_madeup"}, {"Authorization": aw.tokens["nanjing"]}):
                response = api.open(url, method=method, headers=headers)
                checked += 1
                body = response.get_json(silent=True) or {}
                if response.status_code != 401 or body.get("error", {}).get("code") != "api.unauthorized":
                    failures.append(f"{method} {url} {headers} → {response.status_code}")
                elif response.headers.get("WWW-Authenticate") != 'Bearer realm="anpei"':
                    failures.append(f"{method} {url}: no WWW-Authenticate")
    assert checked >= 60
    assert not failures, "\n".join(failures)


def test_other_tenants_get_403_or_404_and_change_nothing(app, api, aw, matrix):
    object_rules = [(r, _url(r, {a: matrix[a] for a in r.arguments})) for r, _v in _api_rules(app) if r.arguments]
    assert len(object_rules) >= 11

    # positive control: tenant A's authority reaches every one of these URLs
    unreachable = []
    for rule, url in object_rules:
        method = "GET" if "GET" in rule.methods else _methods(rule)[0]
        response = api.open(url, method=method, headers=aw.headers("nanjing"))  # no Idempotency-Key: a 400 is fine
        if response.status_code in (403, 404):
            unreachable.append(f"{rule.endpoint} {url} → {response.status_code}")
    assert not unreachable, "tenant A's own authority cannot open these (bad fixture?):\n" + "\n".join(unreachable)

    before = _state()
    failures = []
    for label in OUTSIDERS:
        for rule, url in object_rules:
            for method in _methods(rule):
                headers = aw.headers(label, **{"Idempotency-Key": f"matrix-{label}-{rule.endpoint}-{method}"})
                response = api.open(url, method=method, headers=headers, json=_body(aw, rule.endpoint))
                if response.status_code not in (403, 404):
                    failures.append(f"{label}: {method} {url} ({rule.endpoint}) → {response.status_code}")
                elif response.get_json()["error"]["code"] not in (
                    "api.not_found",
                    "api.scope_missing",
                    "api.not_a_jurisdiction",
                ):
                    failures.append(f"{label}: {method} {url}: {response.get_json()}")
    assert not failures, "other tenants reached tenant A's objects:\n" + "\n".join(failures)
    db.session.expire_all()
    assert _state() == before


def test_a_client_without_the_scope_gets_403_everywhere_else(app, api, aw, matrix):
    checked, failures = 0, []
    for rule, view in _api_rules(app):
        if view.api_scope in (None, "persons:read"):
            continue
        url = _url(rule, {a: matrix[a] for a in rule.arguments})
        for method in _methods(rule):
            response = api.open(
                url, method=method, headers=aw.headers("nanjing persons only", **{"Idempotency-Key": "k"})
            )
            checked += 1
            if response.status_code != 403 or response.get_json()["error"]["code"] != "api.scope_missing":
                failures.append(f"{method} {url} → {response.status_code}")
    assert checked >= 15
    assert not failures, "\n".join(failures)
    # the scope it has works (positive control)
    assert api.get(f"/api/v1/persons/{matrix['person']}", headers=aw.headers("nanjing persons only")).status_code == 200
    # the roster needs certificates:read and training:read beside persons:read
    roster = api.get(f"/api/v1/enterprises/{matrix['enterprise']}/roster", headers=aw.headers("nanjing persons only"))
    assert roster.status_code == 403 and roster.get_json()["error"]["code"] == "api.scope_missing"


LISTS = (
    "/api/v1/enterprises",
    "/api/v1/certificates",
    "/api/v1/exam-results?graded_only=false",
    "/api/v1/practical-results",
    "/api/v1/inspections",
    "/api/v1/findings",
    "/api/v1/training/completions",
    "/api/v1/webhooks",
    "/api/v1/webhooks/deliveries",
    "/api/v1/exports/certificates.ndjson",
    "/api/v1/exports/exam-results.ndjson",
)


def test_lists_of_other_tenants_hold_nothing_of_tenant_a(app, api, aw, matrix):
    owned = {v for k, v in aw.objects.items() if k not in ("class",)}
    # tenant A's authority sees them all
    seen = "".join(api.get(url, headers=aw.headers("nanjing")).get_data(as_text=True) for url in LISTS)
    assert {aw.objects[k] for k in ("certificate", "attempt", "practical", "inspection", "finding", "enterprise")} <= {
        o for o in owned if o in seen
    }
    rules = {str(r.rule) for r, _v in _api_rules(app) if not r.arguments and "GET" in r.methods}
    listed = {url.split("?")[0] for url in LISTS}
    assert rules - {"/api/v1/me"} <= listed, f"list routes not checked here: {rules - listed}"
    for label in OUTSIDERS:
        for url in LISTS:
            response = api.get(url, headers=aw.headers(label))
            assert response.status_code == 200, (label, url, response.status_code)
            text = response.get_data(as_text=True)
            leaked = [o for o in owned if o in text]
            assert not leaked, (label, url, leaked)


def test_every_call_is_logged_refused_ones_too(app, api, aw, matrix):
    api.get(f"/api/v1/certificates/{matrix['certificate']}", headers=aw.headers("nanjing"))
    api.get(f"/api/v1/certificates/{matrix['certificate']}", headers=aw.headers("suzhou"))
    api.get("/api/v1/certificates", headers={"Authorization": "Bearer anpei_madeup"})
    rows = db.session.execute(
        sa.select(ApiCall.client_id, ApiCall.route, ApiCall.status, ApiCall.error_code, ApiCall.objects).order_by(
            ApiCall.id
        )
    ).all()
    assert [(r.client_id, r.route, r.status, r.error_code, r.objects) for r in rows] == [
        (aw.clients["nanjing"].id, "/api/v1/certificates/<certificate>", 200, "", [matrix["certificate"]]),
        (aw.clients["suzhou"].id, "/api/v1/certificates/<certificate>", 404, "api.not_found", []),
        (None, "/api/v1/certificates", 401, "api.unauthorized", []),
    ]
