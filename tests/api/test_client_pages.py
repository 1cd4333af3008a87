"""The pages where the platform admin or a regulator manage API clients: a token and a signing secret shown once,
clients only for tenants in the user's area, rotation and revocation that take effect at once, and the calls and
deliveries of a client on its page."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.api.models import ApiClient
from app.api.spec import TAG_ORDER
from app.extensions import db
from tests.people.world import build_world


def _shown(html: str, name: str) -> str:
    match = re.search(rf'data-testid="{name}">([^<]+)<', html)
    assert match, f"no {name} on the page"
    return match.group(1)


def test_a_regulator_creates_a_client_in_its_area_and_sees_the_token_once(client, login, factory, app):
    w = build_world(factory)
    login(w.regulator_nj)
    form = {
        "name": "南京执法系统",
        "tenant_kind": "jurisdiction",
        "tenant_code": "320100",
        "scopes": ["persons:read", "certificates:read", "inspections:write"],
    }
    page = client.post("/api-clients/new", data=form)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    token, secret = _shown(html, "token"), _shown(html, "secret")
    assert token.startswith("anpei_") and secret.startswith("whsec_")
    stored = db.session.scalar(sa.select(ApiClient).where(ApiClient.name == "南京执法系统"))
    assert (
        stored.token_hash != token and token not in repr(stored.__dict__) and stored.created_by_id == w.regulator_nj.id
    )
    api = app.test_client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert (me["tenant_name"], me["scopes"]) == ("南京市", ["certificates:read", "inspections:write", "persons:read"])
    detail = client.get(f"/api-clients/{stored.id}").get_data(as_text=True)
    assert token not in detail and secret not in detail and stored.token_hint in detail
    assert "GET /api/v1/me" in detail  # the call log
    # outside its area: refused, nothing created
    far = client.post("/api-clients/new", data={**form, "name": "苏州", "tenant_code": "320500"})
    assert "只能为本辖区内的单位创建接口客户端" in far.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiClient)) == 1
    # an enterprise's client cannot open inspections
    bad = client.post(
        "/api-clients/new", data={**form, "name": "企业", "tenant_kind": "enterprise", "tenant_code": w.ent_a.uscc}
    )
    assert "企业和培训机构的客户端不能有此权限" in bad.get_data(as_text=True)


def test_rotate_and_revoke_from_the_page(client, login, factory, app):
    w = build_world(factory)
    login(w.platform_admin)
    html = client.post(
        "/api-clients/new",
        data={"name": "省平台", "tenant_kind": "enterprise", "tenant_code": w.ent_a.uscc, "scopes": ["persons:read"]},
    ).get_data(as_text=True)
    old = _shown(html, "token")
    stored = db.session.scalar(sa.select(ApiClient))
    api = app.test_client()
    rotated = client.post(f"/api-clients/{stored.id}/rotate-token").get_data(as_text=True)
    new = _shown(rotated, "token")
    assert new != old and 'data-testid="secret"' not in rotated
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    assert client.post(f"/api-clients/{stored.id}/revoke").status_code == 302
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"}).status_code == 401
    assert "已停用" in client.get("/api-clients").get_data(as_text=True)


def test_enterprises_and_workers_have_no_client_pages(client, login, factory):
    w = build_world(factory)
    for user in (w.admin_a, w.worker_a):
        login(user)
        assert client.get("/api-clients").status_code == 403
        assert client.get("/api-clients/new").status_code == 403


def test_the_documentation_page_is_ours(client, app):
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<script src="/static/js/api-docs.js" defer></script>' in html
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    assert nonce and "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*nonce=)[^>]*>", html)  # no inline script without the nonce
    assert not re.search(r'src="https?://', html)  # no CDN
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0" and "/api/v1/certificates" in document["paths"]


def test_the_documents_tags_follow_the_resources_table_whatever_the_route_modules_order(client):
    """The routes live in several modules: the document lists its tags in ``TAG_ORDER``, each used by an operation."""
    document = client.get("/api/v1/openapi.json").get_json()
    used = {tag for operations in document["paths"].values() for op in operations.values() for tag in op["tags"]}
    assert [tag["name"] for tag in document["tags"]] == list(TAG_ORDER)
    assert used == set(TAG_ORDER)
