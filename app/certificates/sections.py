"""The 持证情况 of a person's record (``app.people.sections``): certificates in the viewer's scope, with status."""

from __future__ import annotations

from datetime import date

from app.certificates import lifecycle
from app.certificates import scope as cert_scope
from app.certificates.models import Certificate
from app.extensions import db
from app.people.sections import register_certificates


@register_certificates
def held_by(user, person_ids: list[int], today: date) -> dict[int, list[tuple]]:
    """person id → [(certificate, status on ``today``)], newest expiry first: one query for every person."""
    if not user.is_authenticated:
        return {}
    held: dict[int, list[tuple]] = {}
    book = lifecycle.rules()
    certs = db.session.scalars(
        cert_scope.certificates_query(user)
        .where(Certificate.person_id.in_(person_ids))
        .order_by(Certificate.valid_to.desc(), Certificate.id)
    )
    for c in certs:
        held.setdefault(c.person_id, []).append((c, lifecycle.effective_status(c, today, book)))
    return held
