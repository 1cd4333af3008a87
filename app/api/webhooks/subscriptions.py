"""Webhook subscriptions: a client's URL (https, not a local address unless allowed) and the event kinds it
wants, each needing the scope of its kind."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from app.api.models import ApiClient, WebhookSubscription
from app.api.webhooks.events import EVENTS
from app.core.db import conditional_update, utcnow
from app.core.errors import DomainError
from app.extensions import db


def check_url(url: str) -> str:
    """A subscription URL: https (http only where ``API_WEBHOOK_ALLOW_HTTP``), a host, no credentials, and not this
    machine (loopback, link-local, unspecified) unless ``API_WEBHOOK_ALLOW_LOOPBACK``.

    :raises DomainError: ``api.webhook_url`` (422) with the reason.
    """
    parts = urlsplit(url)
    allowed = ("https", "http") if current_app.config["API_WEBHOOK_ALLOW_HTTP"] else ("https",)
    if parts.scheme not in allowed:
        raise DomainError("api.webhook_url", http_status=422, reason="scheme must be " + " or ".join(allowed))
    if not parts.hostname or parts.username or parts.password:
        raise DomainError("api.webhook_url", http_status=422, reason="a host and no credentials")
    if not current_app.config["API_WEBHOOK_ALLOW_LOOPBACK"] and is_local_host(parts.hostname):
        raise DomainError("api.webhook_url", http_status=422, reason="not this machine")
    return url


def is_local_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_link_local or address.is_unspecified or address.is_multicast


def subscribe(client: ApiClient, principal, url: str, events: list[str]) -> WebhookSubscription:
    """A new subscription of ``client`` to ``events`` at ``url`` (the client needs each event's scope)."""
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise DomainError("api.webhook_events", http_status=422, events=", ".join(unknown))
    for kind in events:
        if not principal.has(EVENTS[kind]):
            raise DomainError("api.webhook_scope", http_status=403, scope=EVENTS[kind])
    subscription = WebhookSubscription(client_id=client.id, url=check_url(url), events=sorted(set(events)))
    db.session.add(subscription)
    db.session.flush()
    return subscription


def unsubscribe(subscription: WebhookSubscription, now: datetime | None = None) -> None:
    db.session.execute(
        conditional_update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription.id, WebhookSubscription.deleted_at.is_(None))
        .values(deleted_at=now or utcnow())
    )
    db.session.refresh(subscription)


def subscriptions_of(client_id: int) -> sa.Select:
    return sa.select(WebhookSubscription).where(
        WebhookSubscription.client_id == client_id, WebhookSubscription.deleted_at.is_(None)
    )


def anyone_listening(connection) -> bool:
    """Whether any live subscription exists (no outbox rows are written for nobody)."""
    return (
        connection.execute(
            sa.select(WebhookSubscription.id)
            .join(ApiClient, ApiClient.id == WebhookSubscription.client_id)
            .where(WebhookSubscription.deleted_at.is_(None), ApiClient.revoked_at.is_(None))
            .limit(1)
        ).first()
        is not None
    )
