"""A NUL character (U+0000) in any text a request carries is refused with a clear 400 that names it, before a view
runs: PostgreSQL cannot store it in a text column, so letting it through turned a lookup into a 500 there (and into
a different answer on SQLite). Query strings, form fields and JSON bodies alike; uploaded file contents are not
text fields and are read by their own readers."""

from __future__ import annotations

import json


def test_a_json_body_with_nul_is_refused_with_a_named_error(client):
    body = json.dumps({"by": "number", "key": "T32019999", "name": "张\u0000三"})
    response = client.post("/api/v1/verify", data=body, content_type="application/json")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "request.nul_character"
    assert "name" in error["message"]


def test_a_form_field_with_nul_is_refused_on_an_html_page(client):
    response = client.post("/login", data={"username": "admin\x00", "password": "x"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "username" in page and "不可见的控制字符" in page


def test_a_query_string_with_nul_is_refused(client):
    response = client.get("/verify?number=%00abc")
    assert response.status_code == 400
    assert "number" in response.get_data(as_text=True)


def test_ordinary_text_with_tabs_and_newlines_passes(client):
    response = client.post("/api/v1/verify", json={"by": "number", "key": "T32019999", "name": "张\t三"})
    assert response.status_code == 404  # looked up (and not found), not refused
