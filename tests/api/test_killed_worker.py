"""A webhook delivery survives a worker killed mid-send (``kill -9`` while the receiver holds the request): the task
comes back to another worker (``acks_late``), which takes the stale claim over and delivers it — the receiver gets
the same event twice (it deduplicates on ``Anpei-Event-Id``), each signed, and the log shows 2 attempts.

PostgreSQL, Redis and real worker processes, on a queue and key prefix of the test's own (CI's shared worker never
sees the task); skipped elsewhere.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
import sqlalchemy as sa

from app.api import ids
from app.api.models import DeliveryState, WebhookDelivery
from app.api.principal import principal_of
from app.api.webhooks import fanout, signing, subscriptions
from app.certificates import decisions
from app.certificates.models import Certificate
from app.extensions import db
from tests.api.receiver import Receiver
from tests.certificates.test_killed_worker import RESTORE_AT_START, Worker, age_unacked, production_visibility, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgresql")
        or not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"),
        reason="needs PostgreSQL and a Redis broker (CI's second stage)",
    ),
]

CLAIM_SECONDS = 2


def state(delivery_id: int) -> tuple[str, int]:
    db.session.rollback()  # a fresh snapshot: the workers commit in other connections
    delivery = db.session.get(WebhookDelivery, delivery_id)
    return delivery.state.value, delivery.attempts


def test_a_delivery_cut_by_a_killed_worker_is_sent_again(aw, app, monkeypatch, tmp_path):
    from celery import Celery

    monkeypatch.setitem(app.config, "API_WEBHOOK_ENQUEUE", False)  # the test sends the task itself
    receiver = Receiver()
    receiver.hold.clear()  # the first request waits: the worker is mid-send when it is killed
    client = aw.clients["nanjing"]
    subscriptions.subscribe(client, principal_of(client), receiver.url(), ["certificate.status_changed"])
    cert = db.session.get(Certificate, ids.decode("certificate", aw.objects["certificate"]))
    decisions.suspend(cert, actor=aw.w.regulator_nj, reason="违章", doc_number="暂9")
    db.session.commit()
    [delivery_id] = fanout.fan_out_pending()
    db.session.commit()

    prefix, queue = f"anpei-hooktest-{uuid.uuid4().hex[:8]}:", "api-killtest"
    log = tmp_path / "workers.log"
    broker = Celery("hooktest", broker=os.environ["CELERY_BROKER_URL"], set_as_current=False)
    broker.conf.broker_transport_options = {"global_keyprefix": prefix}
    os.environ["ANPEI_API_WEBHOOK_CLAIM_SECONDS"] = str(CLAIM_SECONDS)  # the workers' settings
    first = Worker("hooktest1", queue, {"global_keyprefix": prefix}, log)  # the production visibility timeout
    second = None
    try:
        broker.send_task("api.deliver", args=[delivery_id], queue=queue)
        wait_for(lambda: receiver.arrived.is_set(), 120, "first request", first)
        assert state(delivery_id) == ("sending", 1)
        first.kill()  # kill -9 while the receiver holds the request: no answer recorded, task not acknowledged
        receiver.hold.set()
        assert state(delivery_id) == ("sending", 1)
        time.sleep(CLAIM_SECONDS + 1)  # the claim goes stale
        assert age_unacked(prefix, production_visibility() + 1) == 1  # the broker's clock: past the visibility timeout
        second = Worker("hooktest2", queue, {"global_keyprefix": prefix, **RESTORE_AT_START}, log)
        wait_for(lambda: state(delivery_id)[0] == "delivered", 180, "delivery", second)
    finally:
        os.environ.pop("ANPEI_API_WEBHOOK_CLAIM_SECONDS", None)
        first.kill()
        if second is not None:
            second.kill()
        broker.close()
        receiver.close()

    assert state(delivery_id) == (DeliveryState.DELIVERED.value, 2)
    assert len(receiver.requests) == 2
    assert len({r["headers"]["Anpei-Event-Id"] for r in receiver.requests}) == 1
    assert all(
        signing.verify_signature(aw.secrets["nanjing"], r["headers"]["Anpei-Signature"], r["body"])
        for r in receiver.requests
    )
    text = log.read_text()
    assert text.count("api.deliver[") >= 2 and "hooktest2@" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 1
