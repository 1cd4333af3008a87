"""The outbox: each event becomes a :class:`WebhookEvent` row in the transaction of the change
(rolled back with it, never lost after it), written only while some subscription exists, and ``api.fan_out`` is
sent once after the commit.

Heard here: a certificate's status-setting 一人一档 event and ``training.completed`` (``ArchiveEvent`` after-insert),
an inspection's close (``app.spotchecks.listeners.on_closed``), and the beat's ``findings_due``. Imported for those
listeners by ``create_app`` (``app.WIRING``)."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy import orm as so

from app.api import ids
from app.api.models import WebhookEvent
from app.api.webhooks.events import (
    CERTIFICATE_STATUS_CHANGED,
    FINDING_DUE,
    INSPECTION_CLOSED,
    STATUS_KINDS,
    TRAINING_COMPLETED,
)
from app.api.webhooks.subscriptions import anyone_listening
from app.archive.models import ArchiveEvent
from app.core.clock import isoformat_local, local_today
from app.core.db import insert_on_conflict, utcnow
from app.extensions import db
from app.spotchecks import listeners as spot_listeners
from app.spotchecks.models import Finding, FindingState, Inspection
from app.training.models import Enrolment

log = logging.getLogger(__name__)


QUEUED_FLAG = "api_fan_out_queued"


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
    if not anyone_listening(connection):
        return
    connection.execute(
        sa.insert(WebhookEvent).values(kind=kind, subject_id=subject, payload=payload, occurred_at=target.at)
    )
    _queue_fan_out(db.session())


@spot_listeners.on_closed
def _inspection_closed(inspection: Inspection, findings: list[Finding]) -> None:
    session = db.session()
    if not anyone_listening(session.connection()):
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
    if not anyone_listening(db.session.connection()):
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
