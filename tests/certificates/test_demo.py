"""The demo shows certificates: a valid one, one due for 复审, a revoked one — and they verify publicly — and the
培训合格证明 the training centre issued for its 复审培训 class."""

from __future__ import annotations

import sqlalchemy as sa

from app.certificates.models import Certificate, CertKind, CertStatus
from app.extensions import db
from app.seed.demo import seed_demo


def test_the_demo_has_a_valid_a_due_and_a_revoked_certificate(client):
    assert seed_demo() is True
    db.session.commit()
    certs = db.session.scalars(
        sa.select(Certificate).where(Certificate.kind == CertKind.SPECIAL_OPERATOR).order_by(Certificate.id)
    ).all()
    assert [c.status for c in certs] == [CertStatus.VALID, CertStatus.REVIEW_DUE, CertStatus.REVOKED]
    assert all(c.person.photo_key for c in certs)
    page = client.get(f"/v/{certs[2].verify_code}").get_data(as_text=True)
    assert 'data-testid="verify-status">撤销<' in page

    training = db.session.scalars(sa.select(Certificate).where(Certificate.kind == CertKind.TRAINING)).one()
    assert training.status is CertStatus.VALID and training.person_id == certs[1].person_id
    assert training.authority == "南京安培安全培训中心" and training.training_class_id is not None
    assert training.facts["training_type"] == "复审培训" and training.facts["hours"] == "8"
    page = client.get(f"/v/{training.verify_code}").get_data(as_text=True)
    assert 'data-testid="verify-status">有效<' in page and "低压电工作业 复审培训课程（演示）" in page
