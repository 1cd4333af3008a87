"""Concurrent retries of one POST on PostgreSQL: N requests with the same Idempotency-Key at the same instant (each in
its own thread and connection) open one inspection; every answer is the first one's, all but one replayed."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.spotchecks.models import Inspection, SpotCheckTicket
from tests.exams.test_concurrency import in_parallel
from tests.exams.test_concurrency import pytestmark as postgres_only

pytestmark = postgres_only

N = 8


def test_concurrent_retries_open_one_inspection(app, aw):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Inspection))
    tickets_before = db.session.scalar(sa.select(sa.func.count()).select_from(SpotCheckTicket))
    body = {
        "enterprise": aw.objects["enterprise"],
        "inspected_on": date.today().isoformat(),
        "doc_number": "（宁）应急检〔2026〕99号",
        "officers": [aw.w.regulator_nj.username],
        "sample": {"principal": 0, "safety_manager": 0, "special_operator": 0, "worker": 1},
    }
    headers = aw.headers("nanjing", **{"Idempotency-Key": "race-1"})
    clients = [app.test_client() for _ in range(N)]

    def post(c):
        response = c.post("/api/v1/inspections", json=body, headers=headers)
        return response.status_code, response.headers.get("Idempotent-Replayed"), response.get_data()

    answers = in_parallel([lambda c=c: post(c) for c in clients])
    assert [status for status, _r, _b in answers] == [201] * N
    assert sorted(str(replayed) for _s, replayed, _b in answers) == ["None"] + ["true"] * (N - 1)
    assert len({data for _s, _r, data in answers}) == 1
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == before + 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SpotCheckTicket)) == tickets_before + 1
