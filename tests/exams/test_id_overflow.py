"""An id in a URL larger than any row's (a 32-bit key) names nothing: 404 on every database, before the database is
asked (SQLite failed with an overflow on a 20-digit id: 500)."""

from __future__ import annotations

import pytest

from tests.exams.test_views import started


@pytest.mark.parametrize("attempt_id", ["2147483648", "99999999999999999999"])
def test_an_id_past_any_row_is_not_found(exam_world, login, attempt_id):
    client = login(exam_world.worker)
    started(client, exam_world)  # the worker has an attempt of their own: the lean save is tried first
    body = {"position": 0, "response": [0], "seq": 1, "flagged": False}
    assert client.post(f"/exams/attempts/{attempt_id}/answer", json=body).status_code == 404
    assert client.get(f"/exams/attempts/{attempt_id}").status_code == 404
