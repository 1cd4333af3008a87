"""Fan-out (``api.fan_out``): one :class:`WebhookDelivery` per subscription to the event's kind whose client's
scope reaches its subject (the same ``scope.py`` queries as for its GETs)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from app.api.models import ApiClient, DeliveryState, WebhookDelivery, WebhookEvent, WebhookSubscription
from app.api.principal import principal_of
from app.api.webhooks.events import (
    CERTIFICATE_STATUS_CHANGED,
    EVENTS,
    FINDING_DUE,
    INSPECTION_CLOSED,
    TRAINING_COMPLETED,
)
from app.certificates import scope as cert_scope
from app.certificates.models import Certificate
from app.core.db import conditional_update, insert_on_conflict, utcnow
from app.extensions import db
from app.people import scope as people_scope
from app.people.models import Person
from app.spotchecks import scope as spot_scope
from app.spotchecks.models import Finding, Inspection
from app.training import scope as training_scope
from app.training.models import Enrolment, TrainingClass


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
