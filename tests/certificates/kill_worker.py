"""The Celery app of the killed-worker test's own workers (tests/certificates/test_killed_worker.py): app.worker's,
with broker transport options from ``ANPEI_TEST_BROKER_OPTIONS`` (JSON) — a key prefix of the test's own, so
nothing it does touches the shared worker's queues, and the visibility timeout after which an unacknowledged task
of a dead worker is delivered again."""

from __future__ import annotations

import json
import os

from app.worker import celery_app

celery_app.conf.broker_transport_options = json.loads(os.environ["ANPEI_TEST_BROKER_OPTIONS"])

__all__ = ["celery_app"]
