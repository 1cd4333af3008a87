"""Delivery (``api.deliver``): claim a due delivery, POST it, record the answer. A 2xx delivers it; anything else,
or no answer within ``API_WEBHOOK_TIMEOUT`` seconds, is retried after 30 s, 1, 2, 4 … minutes (at most 6 h apart),
``API_WEBHOOK_MAX_ATTEMPTS`` times in all, then ``dead``."""

from __future__ import annotations

import secrets
import socket
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from app.api import clients, ids
from app.api.models import DeliveryState, WebhookDelivery
from app.api.webhooks.signing import body_of, signature
from app.api.webhooks.subscriptions import is_local_host
from app.core.db import conditional_update, utcnow
from app.extensions import db


def _claimable(now: datetime):
    stale = now - timedelta(seconds=current_app.config["API_WEBHOOK_CLAIM_SECONDS"])
    return sa.or_(
        sa.and_(
            WebhookDelivery.state.in_((DeliveryState.PENDING, DeliveryState.FAILED)),
            sa.or_(WebhookDelivery.next_try_at.is_(None), WebhookDelivery.next_try_at <= now),
        ),
        sa.and_(WebhookDelivery.state == DeliveryState.SENDING, WebhookDelivery.claimed_at < stale),
    )


def claim(delivery_id: int, now: datetime | None = None) -> tuple[WebhookDelivery, str] | None:
    """Take a delivery for sending (one conditional ``UPDATE``); None when it is not due, taken, done or dead, or its
    subscription or client has gone. The caller commits before sending."""
    now = now or utcnow()
    token = secrets.token_hex(16)
    won = db.session.execute(
        conditional_update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, _claimable(now))
        .values(
            state=DeliveryState.SENDING,
            claim_token=token,
            claimed_at=now,
            attempts=WebhookDelivery.attempts + 1,
        )
    ).rowcount
    if not won:
        return None
    delivery = db.session.get(WebhookDelivery, delivery_id)
    db.session.refresh(delivery)
    subscription = delivery.subscription
    if subscription.deleted_at is not None or subscription.client.revoked_at is not None:
        _finish(delivery_id, token, DeliveryState.DEAD, None, "subscription deleted or client revoked", now)
        return None
    return delivery, token


def send(delivery: WebhookDelivery, timeout: float | None = None) -> tuple[int | None, str]:
    """POST the event to the subscription's URL: (HTTP status or None, error text)."""
    subscription = delivery.subscription
    body = body_of(delivery.event)
    secret = clients.signing_secret(subscription.client)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Anpei-Webhooks/1",
        "Anpei-Event-Id": ids.encode("event", delivery.event_id),
        "Anpei-Event-Type": delivery.event.kind,
        "Anpei-Delivery-Id": ids.encode("delivery", delivery.id),
        "Anpei-Signature": signature(secret, int(time.time()), body),
    }
    try:
        _refuse_local_address(subscription.url)
        # the subscription's URL is http(s) only (subscriptions.py), and refused when it resolves to this machine
        request = urllib.request.Request(subscription.url, data=body, headers=headers, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=timeout or current_app.config["API_WEBHOOK_TIMEOUT"]) as answer:  # noqa: S310
            return answer.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]


def _refuse_local_address(url: str) -> None:
    """At send time too: a name may resolve to this machine now (DNS rebinding)."""
    if current_app.config["API_WEBHOOK_ALLOW_LOOPBACK"]:
        return
    host = urlsplit(url).hostname or ""
    for info in socket.getaddrinfo(host, None):
        if is_local_host(info[4][0]):
            raise ValueError("the URL resolves to this machine")


def backoff(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most 6 hours."""
    return timedelta(seconds=min(30 * 2 ** max(0, attempts - 1), 6 * 3600))


def record(delivery: WebhookDelivery, token: str, status: int | None, error: str, now: datetime | None = None) -> str:
    """Record a send's outcome under the claim: ``delivered``, ``failed`` (retried later) or ``dead``."""
    now = now or utcnow()
    if status is not None and 200 <= status < 300:
        state = DeliveryState.DELIVERED
    elif delivery.attempts >= current_app.config["API_WEBHOOK_MAX_ATTEMPTS"]:
        state = DeliveryState.DEAD
    else:
        state = DeliveryState.FAILED
    _finish(delivery.id, token, state, status, error, now, next_try=now + backoff(delivery.attempts))
    return state.value


def _finish(delivery_id, token, state, status, error, now, next_try=None) -> None:
    values = {"state": state, "last_status": status, "last_error": error[:300], "claim_token": None}
    if state is DeliveryState.DELIVERED:
        values["delivered_at"] = now
    if state is DeliveryState.FAILED:
        values["next_try_at"] = next_try
    db.session.execute(
        conditional_update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.claim_token == token)
        .values(**values)
    )


def due_deliveries(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Deliveries to send again: failed ones whose pause is over, stale claims (a worker died mid-send) and pending
    ones whose task was lost (older than a minute)."""
    now = now or utcnow()
    lost = sa.and_(
        WebhookDelivery.state == DeliveryState.PENDING, WebhookDelivery.created_at < now - timedelta(minutes=1)
    )
    failed = sa.and_(WebhookDelivery.state.in_((DeliveryState.FAILED, DeliveryState.SENDING)), _claimable(now))
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery.id).where(sa.or_(lost, failed)).order_by(WebhookDelivery.id).limit(limit)
        )
    )
