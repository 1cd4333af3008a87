"""The Celery app of the killed-worker tests' own workers (tests/certificates/test_killed_worker.py): app.worker's,
with its production broker transport options (the visibility timeout after which an unacknowledged task of a dead
worker is delivered again) plus those in ``ANPEI_TEST_BROKER_OPTIONS`` (JSON): a key prefix of the test's own, so
nothing it does touches the shared worker's queues, and when the worker looks for such tasks. A bundle's chunk
comes from ``ANPEI_TEST_BUNDLE_CHUNK``, so a small bundle still has a middle to be killed in."""

from __future__ import annotations

import json
import os

from app.certificates import bundle_zip
from app.worker import celery_app

celery_app.conf.broker_transport_options = {
    **celery_app.conf.broker_transport_options,
    **json.loads(os.environ["ANPEI_TEST_BROKER_OPTIONS"]),
}
bundle_zip.CHUNK = int(os.environ.get("ANPEI_TEST_BUNDLE_CHUNK", bundle_zip.CHUNK))

__all__ = ["celery_app"]
