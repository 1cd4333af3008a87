"""Security headers on every response, ``no-store`` for signed-in pages, and the one ``safe_next``."""

from __future__ import annotations

import io
import re

import pytest

from app.core.web import safe_next
from tests.people.world import good_rows, xlsx_bytes
from tests.web.test_pages import PAGES

REQUIRED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def assert_protected(response, url, *, signed_in: bool):
    for name, value in REQUIRED.items():
        assert response.headers.get(name) == value, (url, name)
    csp = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, url
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, url
    if signed_in:
        assert response.headers.get("Cache-Control") == "no-store", url
    assert "Strict-Transport-Security" not in response.headers, url  # testing mode is not production
    body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in tag or 'type="application/json"' in tag or f'nonce="{nonce}"' in tag, (url, tag)
    assert not re.search(r"\son[a-z]+=\"", body), (url, "inline event handler")


def get_pages(app):
    """Every GET page without URL parameters, plus the parameterised pages of the page-render test."""
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            yield rule.rule


def test_every_get_page_carries_the_headers_for_an_admin(app, client, login, world):
    login(world.admin_a)
    staged = client.post("/people/import", data={"file": (io.BytesIO(xlsx_bytes(good_rows(2))), "r.xlsx")})
    values = {
        "person": world.person_a.id,
        "ent_a": world.ent_a.id,
        "employment": world.person_a.employments[0].id,
        "preview": staged.location,
    }
    checked = 0
    for role, urls in PAGES.items():
        login(getattr(world, role))
        for url in [u.format(**values) for u in urls] + ([*get_pages(app)] if role == "platform_admin" else []):
            response = client.get(url)
            assert response.status_code < 500, url
            assert_protected(response, url, signed_in=True)
            checked += 1
    assert checked > 40


def test_public_pages_errors_and_static_files_carry_them_too(client):
    for url in ("/login", "/no/such/page", "/static/css/app.css"):
        response = client.get(url)
        assert_protected(response, url, signed_in=False)
        assert response.headers.get("Cache-Control") != "no-store" or url != "/static/css/app.css"


def test_hsts_only_in_production(app, client):
    app.config["MODE"] = "production"
    try:
        assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        app.config["MODE"] = "testing"


def test_person_page_with_full_id_is_not_stored(client, login, world):
    login(world.regulator_nj)
    response = client.get(f"/people/{world.person_a.id}")
    assert world.person_a.id_number in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "target",
    ["/\t/evil.example", "/\\evil.example", "//evil.example", "https://evil.example/", "/\n/evil", " /x", "", None],
)
def test_safe_next_refuses_anything_off_site(target):
    assert safe_next(target) is None
    assert safe_next(target, "/home") == "/home"


def test_safe_next_keeps_local_paths():
    assert safe_next("/bank/3?page=2") == "/bank/3?page=2"


def test_no_template_has_an_inline_script_the_csp_would_block():
    """Pages not reached above (spot-check, exam pages) are held to the same rule by reading every template."""
    from pathlib import Path

    offenders = []
    for path in Path("templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if not ("src=" in tag or 'type="application/json"' in tag or "csp_nonce()" in tag):
                offenders.append((str(path), tag))
        offenders += [(str(path), m) for m in re.findall(r"\son(?:click|submit|change|load|input)=", text)]
        offenders += [(str(path), "javascript: URL") for _ in re.findall(r"href=\"javascript:", text)]
    assert offenders == []


def test_the_site_has_an_icon_for_guests_and_pages(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
