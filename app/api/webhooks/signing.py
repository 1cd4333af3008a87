"""A delivery's body and its ``Anpei-Signature``: ``t=<unix time>, v1=<hex HMAC-SHA256 of "<t>.<body>" under the
client's signing secret>``, and how a receiver verifies it."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from app.api import ids
from app.api.models import WebhookEvent
from app.core.clock import isoformat_local


def body_of(event: WebhookEvent) -> bytes:
    """The delivered JSON: the same bytes on every attempt."""
    document = {
        "id": ids.encode("event", event.id),
        "type": event.kind,
        "occurred_at": isoformat_local(event.occurred_at),
        "data": event.payload,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>``."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str, header: str, body: bytes, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does (docs/api.md has it standalone): the MAC matches and the timestamp is recent."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), f"t={timestamp},v1={fields.get('v1', '')}")
