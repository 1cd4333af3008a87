"""The client's webhook subscriptions and their delivery log (``webhooks``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g
from sqlalchemy import orm as so

from app.api import bp, ids
from app.api.base_views import endpoint, principal, touched
from app.api.models import ApiScope, WebhookDelivery, WebhookEvent, WebhookSubscription
from app.api.params import one, page
from app.api.schemas import clients as client_schemas
from app.api.schemas.common import Error, IdempotencyHeaders, PageQuery
from app.api.spec import responses, validate
from app.api.webhooks import subscriptions as webhook_subscriptions
from app.core.clock import isoformat_local
from app.extensions import db


@bp.route("/webhooks")
@endpoint(ApiScope.WEBHOOKS)
@validate(resp=responses(cached=True, HTTP_200=client_schemas.SubscriptionList), tags=["webhooks"])
def subscriptions():
    """The client's webhook subscriptions."""
    rows = db.session.scalars(
        webhook_subscriptions.subscriptions_of(g.api_call.client.id).order_by(WebhookSubscription.id)
    ).all()
    return {"data": [_subscription(s) for s in rows]}


def _subscription(s: WebhookSubscription) -> dict:
    return {
        "id": ids.encode("subscription", s.id),
        "url": s.url,
        "events": s.events,
        "created_at": isoformat_local(s.created_at),
    }


@bp.route("/webhooks", methods=["POST"])
@endpoint(ApiScope.WEBHOOKS)
@validate(
    json=client_schemas.SubscriptionCreate,
    headers=IdempotencyHeaders,
    resp=responses(HTTP_201=client_schemas.Subscription, HTTP_400=Error),
    tags=["webhooks"],
)
def subscribe(json: client_schemas.SubscriptionCreate):
    """Subscribe a URL to events (each needs its scope: certificates:read, inspections:read, training:read).
    Deliveries are signed with the client's signing secret (see docs/api.md). Needs an `Idempotency-Key`."""
    s = webhook_subscriptions.subscribe(g.api_call.client, principal(), json.url, list(json.events))
    touched(ids.encode("subscription", s.id))
    return _subscription(s), 201


@bp.route("/webhooks/<subscription>", methods=["DELETE"])
@endpoint(ApiScope.WEBHOOKS)
@validate(resp=responses(HTTP_204=None, HTTP_404=Error), tags=["webhooks"])
def unsubscribe(subscription: str):
    """End a subscription: nothing more is delivered to it (deliveries under way are dropped)."""
    s = one(
        "subscription", subscription, webhook_subscriptions.subscriptions_of(g.api_call.client.id), WebhookSubscription
    )
    webhook_subscriptions.unsubscribe(s)
    db.session.commit()
    return "", 204


@bp.route("/webhooks/deliveries")
@endpoint(ApiScope.WEBHOOKS)
@validate(query=PageQuery, resp=responses(cached=True, HTTP_200=client_schemas.DeliveryPage), tags=["webhooks"])
def deliveries(query: PageQuery):
    """The delivery log of the client's subscriptions: state, attempts, the last answer, the next try."""
    mine = sa.select(WebhookSubscription.id).where(WebhookSubscription.client_id == g.api_call.client.id)
    q = (
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id.in_(mine))
        .options(so.selectinload(WebhookDelivery.event))
    )
    rows, cursor = page(q, WebhookDelivery, query)
    return {"data": [_delivery(d) for d in rows], "next_cursor": cursor}


def _delivery(d: WebhookDelivery) -> dict:
    event: WebhookEvent = d.event
    return {
        "id": ids.encode("delivery", d.id),
        "subscription": ids.encode("subscription", d.subscription_id),
        "event_id": ids.encode("event", d.event_id),
        "event_kind": event.kind,
        "occurred_at": isoformat_local(event.occurred_at),
        "state": d.state.value,
        "attempts": d.attempts,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "next_try_at": isoformat_local(d.next_try_at) if d.state.value == "failed" else None,
        "delivered_at": isoformat_local(d.delivered_at),
    }
