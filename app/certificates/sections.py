"""The 持证情况 of a person's record (``app.people.sections``): certificates in the viewer's scope, with status."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.certificates import lifecycle
from app.certificates import scope as cert_scope
from app.certificates.models import Certificate
from app.extensions import db
from app.people.sections import register_certificates, register_record_regions


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


@register_record_regions
def issuing_regions(person_ids: list[int]) -> dict[int, list[tuple[str, date]]]:
    """The regions that issued each person's certificates, each from its first issue (a regulator's export of its
    certificates covers them: ``app.people.access_log.exports_covering``)."""
    rows = db.session.execute(
        sa.select(Certificate.person_id, Certificate.region_code, sa.func.min(Certificate.first_issued_on))
        .where(Certificate.person_id.in_(person_ids))
        .group_by(Certificate.person_id, Certificate.region_code)
    )
    found: dict[int, list[tuple[str, date]]] = {}
    for pid, region, since in rows:
        if region:
            found.setdefault(pid, []).append((region, since))
    return found
