"""The webhook event kinds and the scope a subscriber to each needs."""

from __future__ import annotations

from app.api.models import ApiScope

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
