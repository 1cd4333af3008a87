"""The demo shows certificates: a valid one, one due for 复审, a revoked one — and they verify publicly."""

from __future__ import annotations

import sqlalchemy as sa

from app.certificates.models import Certificate, CertStatus
from app.extensions import db
from app.seed.demo import seed_demo


def test_the_demo_has_a_valid_a_due_and_a_revoked_certificate(client):
    assert seed_demo() is True
    db.session.commit()
    certs = db.session.scalars(sa.select(Certificate).order_by(Certificate.id)).all()
    assert [c.status for c in certs] == [CertStatus.VALID, CertStatus.REVIEW_DUE, CertStatus.REVOKED]
    assert all(c.person.photo_key for c in certs)
    page = client.get(f"/v/{certs[2].verify_code}").get_data(as_text=True)
    assert 'data-testid="verify-status">撤销<' in page
