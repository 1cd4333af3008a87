"""Webhooks: events out of the domain, fanned out to the subscriptions whose client may see them, signed and
delivered by Celery after the commit, retried with backoff, logged per delivery.

Events (``EVENTS``), and where they come from — without the domains knowing about the API:

======================== ========================================================================================
certificate.status_changed an 一人一档 event of a certificate that sets its status (发证, 复审, 延期复审, 换证, 暂扣,
                         发还, 撤销, 注销, the nightly 状态到期变更, a 依新规调整 that moved the status): heard as
                         the archive event is inserted (``archive_events`` after-insert)
training.completed       the 一人一档 event ``training.completed`` (结业: hours reached and class exam passed)
inspection.closed        ``app.spotchecks.listeners.on_closed`` (the inspector's close or the expiry job)
finding.due              beat (``api.findings_due``): a finding not yet closed whose deadline is ``API_FINDING_DUE_DAYS``
                         away or nearer, once per finding and deadline
======================== ========================================================================================

Each becomes a :class:`WebhookEvent` row in the transaction of the change (an outbox: rolled back with it, never
lost after it), written only while some subscription exists. ``api.fan_out`` — sent after the commit, and swept by
beat — makes one :class:`WebhookDelivery` per subscription to the kind whose client's scope reaches the subject
(the same ``scope.py`` queries as for its GETs); ``api.deliver`` sends each. Nothing here can make the change that
caused an event fail or wait: the outbox row is one insert, and sending happens in a worker.

A delivery is a POST of ``{"id", "type", "occurred_at", "data"}`` with ``Anpei-Signature: t=<unix time>,
v1=<hex HMAC-SHA256 of "<t>.<body>" under the client's signing secret>``, ``Anpei-Event-Id`` (the same on every
retry: receivers deduplicate on it) and ``Anpei-Delivery-Id``. A 2xx answer delivers it; anything else, or no
answer within ``API_WEBHOOK_TIMEOUT`` seconds, is retried after 30 s, 1, 2, 4 … minutes (at most 6 h apart),
``API_WEBHOOK_MAX_ATTEMPTS`` times in all, then ``dead``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy import orm as so

from app.api import clients, ids
from app.api.models import ApiClient, ApiScope, DeliveryState, WebhookDelivery, WebhookEvent, WebhookSubscription
from app.api.principal import principal_of
from app.archive.models import ArchiveEvent
from app.certificates import scope as cert_scope
from app.certificates.models import Certificate
from app.core.clock import isoformat_local, local_today
from app.core.db import conditional_update, insert_on_conflict, utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.people import scope as people_scope
from app.people.models import Person
from app.spotchecks import listeners as spot_listeners
from app.spotchecks import scope as spot_scope
from app.spotchecks.models import Finding, FindingState, Inspection
from app.training import scope as training_scope
from app.training.models import Enrolment, TrainingClass

log = logging.getLogger(__name__)

CERTIFICATE_STATUS_CHANGED = "certificate.status_changed"
INSPECTION_CLOSED = "inspection.closed"
FINDING_DUE = "finding.due"
TRAINING_COMPLETED = "training.completed"

#: Event kind → the scope a subscriber needs.
EVENTS = {
    CERTIFICATE_STATUS_CHANGED: ApiScope.CERTIFICATES_READ.value,
    INSPECTION_CLOSED: ApiScope.INSPECTIONS_READ.value,
    FINDING_DUE: ApiScope.INSPECTIONS_READ.value,
    TRAINING_COMPLETED: ApiScope.TRAINING_READ.value,
}

#: Archive kinds of a certificate that set its status.
STATUS_KINDS = frozenset(
    {
        "certificate.issued",
        "certificate.reviewed",
        "certificate.extended",
        "certificate.renewed",
        "certificate.suspended",
        "certificate.reinstated",
        "certificate.revoked",
        "certificate.cancelled",
        "certificate.lapsed",
        "certificate.rule_changed",
    }
)

QUEUED_FLAG = "api_fan_out_queued"


# ---------------------------------------------------------------- subscriptions


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
    if not current_app.config["API_WEBHOOK_ALLOW_LOOPBACK"] and _local_host(parts.hostname):
        raise DomainError("api.webhook_url", http_status=422, reason="not this machine")
    return url


def _local_host(host: str) -> bool:
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


def _anyone_listening(connection) -> bool:
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


# ---------------------------------------------------------------- the outbox (in the transaction of the change)


def _queue_fan_out(session) -> None:
    """Send ``api.fan_out`` once after this transaction commits (eager without a broker)."""
    if not current_app.config.get("API_WEBHOOK_ENQUEUE", True) or session.info.get(QUEUED_FLAG):
        return
    from app.api.tasks import fan_out  # tasks import this module: resolved at call time

    session.info[QUEUED_FLAG] = True
    session.info.setdefault("after_commit_tasks", []).append((fan_out, (), {}))


@sa_event.listens_for(so.Session, "after_commit")
@sa_event.listens_for(so.Session, "after_rollback")
def _reset_flag(session) -> None:
    session.info.pop(QUEUED_FLAG, None)


def _iso(value) -> str | None:
    if isinstance(value, datetime):
        return isoformat_local(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


@sa_event.listens_for(ArchiveEvent, "after_insert")
def _archive_event_inserted(mapper, connection, target: ArchiveEvent) -> None:
    """An 一人一档 event that is also a webhook event: one outbox row, on the connection of the flush."""
    if target.kind not in STATUS_KINDS and target.kind != TRAINING_COMPLETED:
        return
    try:
        facts = json.loads(target.payload)
        if target.kind == TRAINING_COMPLETED:
            enrolment_id = connection.execute(
                sa.select(Enrolment.id).where(
                    Enrolment.class_id == int(facts["class_id"]), Enrolment.person_id == target.person_id
                )
            ).scalar()
            if enrolment_id is None:
                return
            kind, subject = TRAINING_COMPLETED, enrolment_id
            payload = {
                "enrolment": ids.encode("enrolment", enrolment_id),
                "class": ids.encode("class", int(facts["class_id"])),
                "person": ids.encode("person", target.person_id),
                "hours": facts.get("hours"),
                "completed_at": _iso(target.at),
            }
        else:
            status = facts.get("status") or "valid"
            previous = facts.get("from")
            if target.kind == "certificate.rule_changed" and previous == status:
                return  # only the 应复审日期 went
            kind, subject = CERTIFICATE_STATUS_CHANGED, int(facts["certificate"])
            payload = {
                "certificate": ids.encode("certificate", subject),
                "person": ids.encode("person", target.person_id),
                "change": target.kind.removeprefix("certificate."),
                "status": status,
                "previous_status": previous,
            }
    except (KeyError, TypeError, ValueError):
        log.exception("webhooks: unreadable archive event %s %s", target.kind, target.id)
        return
    if not _anyone_listening(connection):
        return
    connection.execute(
        sa.insert(WebhookEvent).values(kind=kind, subject_id=subject, payload=payload, occurred_at=target.at)
    )
    _queue_fan_out(db.session())


@spot_listeners.on_closed
def _inspection_closed(inspection: Inspection, findings: list[Finding]) -> None:
    session = db.session()
    if not _anyone_listening(session.connection()):
        return
    tested = [t for t in inspection.active_tickets if t.graded_at is not None]
    session.add(
        WebhookEvent(
            kind=INSPECTION_CLOSED,
            subject_id=inspection.id,
            payload={
                "inspection": ids.encode("inspection", inspection.id),
                "enterprise": ids.encode("enterprise", inspection.enterprise_id),
                "doc_number": inspection.doc_number,
                "closed_at": _iso(inspection.closed_at),
                "tested": len(tested),
                "failed": sum(1 for t in tested if not t.passed),
                "findings": [ids.encode("finding", f.id) for f in findings],
            },
            occurred_at=inspection.closed_at or utcnow(),
        )
    )
    _queue_fan_out(session)


def findings_due(today: date | None = None, now: datetime | None = None) -> int:
    """Write a ``finding.due`` event for each finding not closed whose deadline is near, once per finding and
    deadline (``dedupe_key``). Returns how many were new."""
    today, now = today or local_today(), now or utcnow()
    if not _anyone_listening(db.session.connection()):
        return 0
    horizon = today + timedelta(days=current_app.config["API_FINDING_DUE_DAYS"])
    rows = db.session.execute(
        sa.select(Finding.id, Finding.inspection_id, Finding.person_id, Finding.deadline, Finding.status).where(
            Finding.status != FindingState.CLOSED, Finding.deadline <= horizon
        )
    ).all()
    new = 0
    for row in rows:
        inserted = db.session.execute(
            insert_on_conflict(db.session, WebhookEvent)
            .values(
                kind=FINDING_DUE,
                subject_id=row.id,
                dedupe_key=f"{FINDING_DUE}:{row.id}:{row.deadline.isoformat()}",
                payload={
                    "finding": ids.encode("finding", row.id),
                    "inspection": ids.encode("inspection", row.inspection_id),
                    "person": ids.encode("person", row.person_id),
                    "deadline": row.deadline.isoformat(),
                    "status": row.status.value,
                    "overdue": row.deadline < today,
                },
                occurred_at=now,
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(WebhookEvent.id)
        ).scalar()
        new += inserted is not None
    if new:
        _queue_fan_out(db.session())
    return new


# ---------------------------------------------------------------- fan-out (a task)


def _visible(principal, kind: str, subject_id: int) -> bool:
    """Does the subscriber's scope reach the event's subject — the same queries as its GETs."""
    if kind == CERTIFICATE_STATUS_CHANGED:
        query = cert_scope.certificates_query(principal).where(Certificate.id == subject_id)
        return db.session.scalar(query.with_only_columns(Certificate.id).limit(1)) is not None
    if kind == INSPECTION_CLOSED:
        query = spot_scope.inspections_query(principal).where(Inspection.id == subject_id)
        return db.session.scalar(query.with_only_columns(Inspection.id).limit(1)) is not None
    if kind == FINDING_DUE:
        query = spot_scope.findings_query(principal).where(Finding.id == subject_id)
        return db.session.scalar(query.with_only_columns(Finding.id).limit(1)) is not None
    if kind == TRAINING_COMPLETED:
        enrolment = db.session.get(Enrolment, subject_id)
        if enrolment is None:
            return False
        classes = training_scope.classes_query(principal).where(TrainingClass.id == enrolment.class_id)
        persons = people_scope.persons_query(principal).where(Person.id == enrolment.person_id)
        return (
            db.session.scalar(classes.with_only_columns(TrainingClass.id).limit(1)) is not None
            and db.session.scalar(persons.with_only_columns(Person.id).limit(1)) is not None
        )
    return False


def fan_out_pending(limit: int = 500, now: datetime | None = None) -> list[int]:
    """Turn events not yet fanned out into deliveries (flushes; the task commits). Returns the new delivery ids."""
    now = now or utcnow()
    events = db.session.scalars(
        sa.select(WebhookEvent).where(WebhookEvent.fanned_out_at.is_(None)).order_by(WebhookEvent.id).limit(limit)
    ).all()
    if not events:
        return []
    subscriptions = db.session.scalars(
        sa.select(WebhookSubscription)
        .join(ApiClient, ApiClient.id == WebhookSubscription.client_id)
        .where(WebhookSubscription.deleted_at.is_(None), ApiClient.revoked_at.is_(None))
        .options(so.selectinload(WebhookSubscription.client))
    ).all()
    principals = {s.client_id: principal_of(s.client) for s in subscriptions}
    new: list[int] = []
    for event in events:
        won = db.session.execute(
            conditional_update(WebhookEvent)
            .where(WebhookEvent.id == event.id, WebhookEvent.fanned_out_at.is_(None))
            .values(fanned_out_at=now)
        ).rowcount
        if not won:
            continue
        for subscription in subscriptions:
            principal = principals[subscription.client_id]
            if event.kind not in subscription.events or not principal.has(EVENTS[event.kind]):
                continue
            if not _visible(principal, event.kind, event.subject_id):
                continue
            delivery_id = db.session.execute(
                insert_on_conflict(db.session, WebhookDelivery)
                .values(
                    event_id=event.id,
                    subscription_id=subscription.id,
                    state=DeliveryState.PENDING.value,
                    attempts=0,
                    last_error="",
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["event_id", "subscription_id"])
                .returning(WebhookDelivery.id)
            ).scalar()
            if delivery_id is not None:
                new.append(delivery_id)
    return new


# ---------------------------------------------------------------- delivery (a task)


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
        request = urllib.request.Request(subscription.url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=timeout or current_app.config["API_WEBHOOK_TIMEOUT"]) as answer:
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
        if _local_host(info[4][0]):
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
