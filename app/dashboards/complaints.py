"""Complaints about training institutions and enterprises (12345, 信访, 举报), recorded by the regulators of the
subject's region with a summary, a verdict (处理中 → 属实 / 不属实) and documents. Each step is an event on the
subject's record (:class:`~app.dashboards.models.RecordEvent`); a complaint about an institution found 属实 counts
in its 动态积分 (``app.dashboards.ranking``).

Documents are PDF, JPEG or PNG (checked by their first bytes), stored privately under a random key and streamed only
to who sees the complaint. Functions flush; the view commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

import sqlalchemy as sa

from app.core.clock import local_today
from app.core.db import conditional_update, utcnow
from app.core.errors import DomainError
from app.core.storage import storage
from app.dashboards.models import Complaint, ComplaintDocument, ComplaintSource, RecordEvent, Verdict
from app.extensions import db
from app.tenancy.models import Enterprise, TrainingInstitution

#: What a document may be, by its first bytes (the name and the browser's type are not trusted).
SIGNATURES = {
    b"%PDF-": ("application/pdf", "pdf"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
}
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def _subject_columns(subject) -> dict:
    if isinstance(subject, TrainingInstitution):
        return {"institution_id": subject.id, "enterprise_id": None}
    if isinstance(subject, Enterprise):
        return {"institution_id": None, "enterprise_id": subject.id}
    raise TypeError(subject)


def _record(complaint: Complaint, kind: str, detail: dict, actor) -> None:
    db.session.add(
        RecordEvent(
            institution_id=complaint.institution_id,
            enterprise_id=complaint.enterprise_id,
            complaint_id=complaint.id,
            kind=kind,
            detail=detail,
            actor_id=actor.id if actor else None,
            at=utcnow(),
        )
    )


def record(subject, *, source: ComplaintSource, received_on: date, summary: str, actor) -> Complaint:
    """Record a complaint about ``subject`` (an institution or enterprise), verdict 处理中.

    :raises DomainError: ``complaint.summary_required``; ``complaint.future_date``.
    """
    if not summary.strip():
        raise DomainError("complaint.summary_required")
    if received_on > local_today():
        raise DomainError("complaint.future_date")
    complaint = Complaint(
        **_subject_columns(subject),
        region_code=subject.region_code,
        source=source,
        received_on=received_on,
        summary=summary.strip()[:4000],
        verdict=Verdict.PENDING,
        recorded_by_id=actor.id,
    )
    db.session.add(complaint)
    db.session.flush()
    _record(complaint, "complaint.recorded", {"source": source.value, "received_on": received_on.isoformat()}, actor)
    db.session.flush()
    return complaint


def decide(complaint: Complaint, verdict: Verdict, *, seen: Verdict, actor, on: date | None = None) -> None:
    """Set the verdict, from the one the page showed (``seen``): a page left open while a colleague decided loses.

    :raises DomainError: ``complaint.changed`` (the verdict moved meanwhile); ``complaint.same_verdict``.
    """
    if verdict is seen:
        raise DomainError("complaint.same_verdict")
    moved = db.session.execute(
        conditional_update(Complaint)
        .where(Complaint.id == complaint.id, Complaint.verdict == seen)
        .values(
            verdict=verdict,
            decided_on=None if verdict is Verdict.PENDING else (on or local_today()),
            updated_at=utcnow(),
        )
    )
    if moved.rowcount != 1:
        raise DomainError("complaint.changed")
    db.session.refresh(complaint)
    _record(complaint, "complaint.decided", {"from": seen.value, "verdict": verdict.value}, actor)
    db.session.flush()


def add_document(complaint: Complaint, data: bytes, file_name: str, *, actor) -> ComplaintDocument:
    """Keep a file with the complaint.

    :raises DomainError: ``complaint.document_type`` (not a PDF, JPEG or PNG); ``complaint.document_size``.
    """
    if not data or len(data) > MAX_DOCUMENT_BYTES:
        raise DomainError("complaint.document_size", mb=MAX_DOCUMENT_BYTES // (1024 * 1024))
    kind = next((v for magic, v in SIGNATURES.items() if data.startswith(magic)), None)
    if kind is None:
        raise DomainError("complaint.document_type")
    content_type, extension = kind
    key = f"complaints/{complaint.id}/{secrets.token_hex(16)}.{extension}"
    storage().put(key, data, content_type)
    document = ComplaintDocument(
        complaint_id=complaint.id,
        storage_key=key,
        file_name=(file_name or f"document.{extension}")[:200],
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=actor.id,
        uploaded_at=utcnow(),
    )
    db.session.add(document)
    db.session.flush()
    _record(complaint, "complaint.document", {"file_name": document.file_name, "sha256": document.sha256}, actor)
    db.session.flush()
    return document


def events_of(*, institution_id: int | None = None, enterprise_id: int | None = None) -> list[RecordEvent]:
    """A subject's supervision record, newest first."""
    condition = (
        RecordEvent.institution_id == institution_id
        if institution_id is not None
        else RecordEvent.enterprise_id == enterprise_id
    )
    return list(db.session.scalars(sa.select(RecordEvent).where(condition).order_by(RecordEvent.id.desc()).limit(200)))
