"""Webhooks as a receiver sees them: signed deliveries of the events a client may see, sent after the commit,
retried with backoff until dead, taken over when a worker died mid-send; events written once, and only when
somebody listens."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.api import ids, tasks
from app.api.models import DeliveryState, WebhookDelivery, WebhookEvent
from app.api.principal import principal_of
from app.api.webhooks import fanout, outbox, sending, signing, subscriptions
from app.certificates import decisions
from app.certificates.models import Certificate
from app.core.db import utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.spotchecks.models import Finding
from tests.api.receiver import Receiver


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _subscribe(aw, label, url, events):
    subscription = subscriptions.subscribe(aw.clients[label], principal_of(aw.clients[label]), url, events)
    db.session.commit()
    return subscription


def _fan_out() -> list[int]:
    """``api.fan_out`` without sending: the deliveries it makes (the tests send them by hand)."""
    created = fanout.fan_out_pending()
    db.session.commit()
    return created


def _certificate(aw) -> Certificate:
    return db.session.get(Certificate, ids.decode("certificate", aw.objects["certificate"]))


def test_signatures_verify_and_tampering_does_not():
    body = b'{"type":"certificate.status_changed"}'
    header = signing.signature("whsec_test", 1_800_000_000, body)
    assert header.startswith("t=1800000000,v1=") and len(header.split("v1=")[1]) == 64
    assert signing.verify_signature("whsec_test", header, body, now=1_800_000_010)
    assert not signing.verify_signature("whsec_test", header, body + b" ", now=1_800_000_010)
    assert not signing.verify_signature("whsec_other", header, body, now=1_800_000_010)
    assert not signing.verify_signature("whsec_test", header, body, now=1_800_000_000 + 301)  # replayed later


def test_a_subscription_asks_for_the_scope_and_a_safe_url(aw, api, app, monkeypatch):
    refused = api.post(
        "/api/v1/webhooks",
        json={"url": "https://enforcement.example/hook", "events": ["inspection.closed"]},
        headers=aw.headers("nanjing", **{"Idempotency-Key": "s1"}),
    )
    assert refused.status_code == 201 and refused.get_json()["events"] == ["inspection.closed"]
    monkeypatch.setitem(app.config, "API_WEBHOOK_ALLOW_HTTP", False)
    monkeypatch.setitem(app.config, "API_WEBHOOK_ALLOW_LOOPBACK", False)
    for url, reason in (
        ("http://enforcement.example/hook", "scheme must be https"),
        ("https://127.0.0.1/hook", "not this machine"),
        ("https://user:pw@enforcement.example/hook", "a host and no credentials"),
    ):
        answer = api.post(
            "/api/v1/webhooks",
            json={"url": url, "events": ["inspection.closed"]},
            headers=aw.headers("nanjing", **{"Idempotency-Key": f"bad-{url}"}),
        )
        assert answer.status_code == 422 and reason in answer.get_json()["error"]["message"], url
    from app.api.models import ApiScope
    from tests.api.world import add_client, jurisdiction

    add_client(aw, "certs only", jurisdiction("320100"), [ApiScope.WEBHOOKS.value, ApiScope.CERTIFICATES_READ.value])
    db.session.commit()
    no_scope = api.post(
        "/api/v1/webhooks",
        json={"url": "https://enforcement.example/hook", "events": ["inspection.closed"]},
        headers=aw.headers("certs only", **{"Idempotency-Key": "s2"}),
    )
    assert no_scope.status_code == 403 and no_scope.get_json()["error"]["code"] == "api.webhook_scope"


def test_nothing_is_written_while_nobody_listens(aw):
    decisions.suspend(_certificate(aw), actor=aw.w.regulator_nj, reason="违章", doc_number="暂1")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)) == 0


def test_a_status_change_reaches_who_may_see_it_signed_after_the_commit(aw, api, receiver):
    mine = _subscribe(aw, "nanjing", receiver.url("/nanjing"), ["certificate.status_changed"])
    _subscribe(aw, "enterprise C", receiver.url("/other-city"), ["certificate.status_changed"])
    _subscribe(aw, "enterprise A", receiver.url("/employer"), ["inspection.closed"])  # another event
    decisions.suspend(_certificate(aw), actor=aw.w.regulator_nj, reason="违章作业", doc_number="（宁）暂〔2026〕2号")
    assert receiver.requests == []  # nothing leaves before the commit
    db.session.commit()
    [request] = receiver.wait_for(1)
    time.sleep(0.3)  # nothing else follows
    assert [r["path"] for r in receiver.requests] == ["/nanjing"]
    headers, body = request["headers"], request["body"]
    assert signing.verify_signature(aw.secrets["nanjing"], headers["Anpei-Signature"], body)
    assert not signing.verify_signature(aw.secrets["enterprise C"], headers["Anpei-Signature"], body)
    document = json.loads(body)
    assert document["type"] == headers["Anpei-Event-Type"] == "certificate.status_changed"
    assert document["id"] == headers["Anpei-Event-Id"] and document["id"].startswith("evt_")
    assert document["occurred_at"].endswith("+08:00")
    assert document["data"] == {
        "certificate": aw.objects["certificate"],
        "person": aw.objects["person"],
        "change": "suspended",
        "status": "suspended",
        "previous_status": None,
    }
    db.session.expire_all()
    [delivery] = db.session.scalars(sa.select(WebhookDelivery)).all()
    assert (delivery.subscription_id, delivery.state, delivery.attempts, delivery.last_status) == (
        mine.id,
        DeliveryState.DELIVERED,
        1,
        200,
    )
    log = api.get("/api/v1/webhooks/deliveries", headers=aw.headers("nanjing")).get_json()["data"]
    assert [(d["event_kind"], d["state"], d["attempts"]) for d in log] == [
        ("certificate.status_changed", "delivered", 1)
    ]
    assert api.get("/api/v1/webhooks/deliveries", headers=aw.headers("enterprise C")).get_json()["data"] == []


def test_a_failing_receiver_is_retried_with_backoff_until_dead(aw, app, monkeypatch):
    receiver = Receiver(statuses=(500,))
    try:
        monkeypatch.setitem(app.config, "API_WEBHOOK_ENQUEUE", False)  # this test sends by hand
        monkeypatch.setitem(app.config, "API_WEBHOOK_MAX_ATTEMPTS", 3)
        _subscribe(aw, "nanjing", receiver.url(), ["certificate.status_changed"])
        decisions.suspend(_certificate(aw), actor=aw.w.regulator_nj, reason="违章", doc_number="暂3")
        db.session.commit()  # the change stands whatever the receiver does
        [delivery_id] = _fan_out()

        def state():
            db.session.expire_all()
            d = db.session.get(WebhookDelivery, delivery_id)
            return d.state.value, d.attempts, d.last_status, d.next_try_at

        before = utcnow()
        assert tasks.deliver(delivery_id) == "failed"
        status, attempts, last, next_try = state()
        assert (status, attempts, last) == ("failed", 1, 500)
        assert timedelta(seconds=29) <= next_try - before <= timedelta(seconds=32)
        assert tasks.deliver(delivery_id) == "skipped"  # not due yet
        assert sending.due_deliveries() == []
        db.session.execute(sa.update(WebhookDelivery).values(next_try_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert sending.due_deliveries() == [delivery_id]
        before = utcnow()
        assert tasks.deliver(delivery_id) == "failed"
        _s, attempts, _l, next_try = state()
        assert attempts == 2 and timedelta(seconds=59) <= next_try - before <= timedelta(seconds=62)
        db.session.execute(sa.update(WebhookDelivery).values(next_try_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert tasks.deliver(delivery_id) == "dead"
        assert state()[:2] == ("dead", 3)
        assert tasks.deliver(delivery_id) == "skipped"
        assert len(receiver.requests) == 3
        # every attempt carried the same event id and body, each freshly signed
        assert len({r["headers"]["Anpei-Event-Id"] for r in receiver.requests}) == 1
        assert len({r["body"] for r in receiver.requests}) == 1
        assert all(
            signing.verify_signature(aw.secrets["nanjing"], r["headers"]["Anpei-Signature"], r["body"])
            for r in receiver.requests
        )
        assert sending.backoff(12) == timedelta(hours=6)
    finally:
        receiver.close()


def test_a_claim_of_a_worker_that_died_is_taken_over(aw, app, monkeypatch, receiver):
    monkeypatch.setitem(app.config, "API_WEBHOOK_ENQUEUE", False)
    _subscribe(aw, "nanjing", receiver.url(), ["certificate.status_changed"])
    decisions.suspend(_certificate(aw), actor=aw.w.regulator_nj, reason="违章", doc_number="暂4")
    db.session.commit()
    [delivery_id] = _fan_out()
    # a worker claims it and dies before sending (the claim committed, nothing recorded)
    assert sending.claim(delivery_id) is not None
    db.session.commit()
    assert tasks.deliver(delivery_id) == "skipped"  # a redelivered task finds it taken
    assert sending.due_deliveries() == []
    stale = utcnow() - timedelta(seconds=app.config["API_WEBHOOK_CLAIM_SECONDS"] + 1)
    db.session.execute(sa.update(WebhookDelivery).values(claimed_at=stale))
    db.session.commit()
    assert sending.due_deliveries() == [delivery_id]
    assert tasks.deliver(delivery_id) == "delivered"
    db.session.expire_all()
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert (delivery.state, delivery.attempts, len(receiver.requests)) == (DeliveryState.DELIVERED, 2, 1)


def test_a_finding_falls_due_once_per_deadline(aw, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_WEBHOOK_ENQUEUE", False)
    _subscribe(aw, "enterprise A", "https://enterprise.example/hook", ["finding.due"])
    finding = db.session.get(Finding, ids.decode("finding", aw.objects["finding"]))
    today = date.today()
    finding.deadline = today + timedelta(days=10)
    db.session.commit()
    assert outbox.findings_due(today) == 0  # not yet near
    assert outbox.findings_due(today + timedelta(days=7)) == 1
    assert outbox.findings_due(today + timedelta(days=8)) == 0  # once
    finding.deadline = today + timedelta(days=20)  # a new deadline is a new due date
    db.session.commit()
    assert outbox.findings_due(today + timedelta(days=18)) == 1
    db.session.commit()
    assert len(_fan_out()) == 2
    events = db.session.scalars(sa.select(WebhookEvent).order_by(WebhookEvent.id)).all()
    assert [e.payload["deadline"] for e in events] == [
        (today + timedelta(days=10)).isoformat(),
        (today + timedelta(days=20)).isoformat(),
    ]
    assert events[0].payload["finding"] == aw.objects["finding"]


def test_completion_and_inspection_closed_are_events(aw, api, app, monkeypatch, factory):
    from tests.training.world import trained

    monkeypatch.setitem(app.config, "API_WEBHOOK_ENQUEUE", False)
    _subscribe(aw, "enterprise A", "https://enterprise.example/hook", ["training.completed", "inspection.closed"])
    _subscribe(aw, "enterprise B", "https://other.example/hook", ["training.completed", "inspection.closed"])
    training_class = trained(aw.w.admin_a, [aw.w.person_a], hours=8, on=date.today(), title="年度再培训")
    factory.commit()
    closed = api.post(
        f"/api/v1/inspections/{aw.objects['inspection']}/close",
        json={"officer": aw.w.regulator_nj.username},
        headers=aw.headers("nanjing", **{"Idempotency-Key": "close-it"}),
    )
    assert closed.status_code == 200
    assert len(_fan_out()) == 2  # enterprise A's; nothing of enterprise A reaches enterprise B
    events = {e.kind: e for e in db.session.scalars(sa.select(WebhookEvent))}
    assert set(events) == {"training.completed", "inspection.closed"}
    assert events["training.completed"].payload["class"] == ids.encode("class", training_class.id)
    assert events["training.completed"].payload["person"] == aw.objects["person"]
    assert events["inspection.closed"].payload["inspection"] == aw.objects["inspection"]
    assert events["inspection.closed"].payload["failed"] == 1
    deliveries = db.session.scalars(sa.select(WebhookDelivery)).all()
    assert {d.subscription.client_id for d in deliveries} == {aw.clients["enterprise A"].id}


def test_unsubscribing_stops_deliveries(aw, api, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_WEBHOOK_ENQUEUE", False)
    created = api.post(
        "/api/v1/webhooks",
        json={"url": "https://enforcement.example/hook", "events": ["certificate.status_changed"]},
        headers=aw.headers("nanjing", **{"Idempotency-Key": "u1"}),
    ).get_json()
    decisions.suspend(_certificate(aw), actor=aw.w.regulator_nj, reason="违章", doc_number="暂5")
    db.session.commit()
    [delivery_id] = _fan_out()
    assert api.delete(f"/api/v1/webhooks/{created['id']}", headers=aw.headers("nanjing")).status_code == 204
    assert api.delete(f"/api/v1/webhooks/{created['id']}", headers=aw.headers("nanjing")).status_code == 404
    assert api.get("/api/v1/webhooks", headers=aw.headers("nanjing")).get_json() == {"data": []}
    assert tasks.deliver(delivery_id) == "skipped"
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, delivery_id).state is DeliveryState.DEAD


def test_unknown_events_are_refused(aw):
    with pytest.raises(DomainError) as refused:
        subscriptions.subscribe(
            aw.clients["nanjing"], principal_of(aw.clients["nanjing"]), "https://x.example", ["nope"]
        )
    assert refused.value.code == "api.webhook_events"


def test_signing_secrets_move_to_a_rotated_data_key(app, aw):
    from app.api import clients
    from app.core import crypto

    old = app.config["DATA_KEY"]
    try:
        app.config["DATA_KEY"], app.config["DATA_KEY_OLD"] = "rotated-data-key-2026", old
        result = app.test_cli_runner().invoke(args=["rotate-keys"])
        assert result.exit_code == 0, result.output
        assert f"API clients' signing secrets and stored answers: {len(aw.clients)}" in result.output
        app.config["DATA_KEY_OLD"] = None  # the old key gone: the secrets still read
        db.session.expire_all()
        client = db.session.get(type(aw.clients["nanjing"]), aw.clients["nanjing"].id)
        assert crypto.token_kid(client.secret_enc) == crypto.current_kid()
        assert clients.signing_secret(client) == aw.secrets["nanjing"]
    finally:
        app.config["DATA_KEY"], app.config["DATA_KEY_OLD"] = old, None
