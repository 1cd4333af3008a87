"""The generic limiter (app/core/limits.py): windows, backoff, reset, release, and the race it exists for."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from app.core import limits
from app.core.clock import utcnow
from app.extensions import db
from tests.exams.test_concurrency import in_parallel

MIN = timedelta(minutes=1)


def test_plain_window_allows_the_limit_then_blocks_to_the_window_end(app):
    now = utcnow().replace(microsecond=0)
    verdicts = [limits.hit("t:plain", 3, 10 * MIN, now=now) for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert [v.remaining for v in verdicts] == [2, 1, 0, 0]
    assert limits.blocked("t:plain", now=now + 9 * MIN) == now + 10 * MIN
    assert limits.blocked("t:plain", now=now + 10 * MIN) is None
    assert limits.hit("t:plain", 3, 10 * MIN, now=now + 10 * MIN).count == 1  # a new window


def test_backoff_doubles_each_block_and_caps(app):
    now = utcnow().replace(microsecond=0)
    for _ in range(2):
        v = limits.hit("t:back", 2, timedelta(hours=24), backoff=MIN, max_block=3 * MIN, now=now)
    assert v.blocked_until == now + MIN
    assert not limits.hit("t:back", 2, timedelta(hours=24), backoff=MIN, now=now + 30 * timedelta(seconds=1)).allowed
    blocks = []
    t = now
    for _ in range(3):
        t = limits.blocked("t:back", now=t) or t
        v = limits.hit("t:back", 2, timedelta(hours=24), backoff=MIN, max_block=3 * MIN, now=t)
        assert v.allowed
        blocks.append(v.blocked_until - t)
    assert blocks == [2 * MIN, 3 * MIN, 3 * MIN]


def test_reset_and_release(app):
    for _ in range(3):
        limits.hit("t:r", 3, MIN)
    assert limits.blocked("t:r") is not None
    limits.release("t:r")
    assert limits.count("t:r") == 2 and limits.blocked("t:r") is None
    limits.reset("t:r")
    assert limits.count("t:r") == 0


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="concurrency tests need PostgreSQL; SQLite serialises all writers",
)
def test_parallel_hits_count_every_one_and_allow_exactly_the_limit(app):
    def one():
        with app.app_context():
            return limits.hit("t:race", 20, 15 * MIN).allowed

    allowed = in_parallel([one] * 40)
    assert limits.count("t:race") == 40
    assert sum(allowed) == 20


def test_purge_task_drops_only_finished_counters(app):
    from app.core.tasks import purge_limits

    old = utcnow() - timedelta(hours=2)
    limits.hit("t:old", 5, MIN, now=old)
    limits.hit("t:live", 5, 10 * MIN)
    db.session.commit()  # SQLite: the counters joined the test's transaction
    assert purge_limits.delay().get(timeout=60) == {"purged": 1}
    assert limits.count("t:live") == 1 and app.config["CELERY"]["beat_schedule"]["core-purge-limits-hourly"]
