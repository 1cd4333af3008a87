"""While the database is unreachable (restarting, failing over, every connection killed), a request answers 503 with
``Retry-After`` and a clear message — a page in HTML, a JSON call in the one error shape — not a 500: the exam
page's answer queue and the lesson page retry a 503 by themselves, and nothing half-done is kept (the session is
rolled back)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.auth import views as auth_views

GONE = sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


@pytest.fixture
def database_gone(monkeypatch):
    def fail(*args, **kwargs):
        raise GONE

    monkeypatch.setattr(auth_views, "render_template", fail)


def test_a_page_answers_503_with_retry_after_while_the_database_is_gone(client, database_gone):
    response = client.get("/login")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "数据库暂时不可用" in response.get_data(as_text=True)


def test_a_json_call_answers_503_in_the_error_shape(client, monkeypatch):
    from app.api import verification_views

    def fail(*args, **kwargs):
        raise GONE

    monkeypatch.setattr(verification_views.verification, "by_number", fail)
    response = client.post("/api/v1/verify", json={"by": "number", "key": "T32019999", "name": "张三"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "db.unavailable"
    assert response.headers["Retry-After"] == "5"
