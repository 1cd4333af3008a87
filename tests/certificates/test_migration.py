"""The upgrade that brings certificates under 应急管理部令第19号 (migration 0015, then the recompute job), on data
shaped as the old code left it: the results existing certificates rest on become their bases (so they are never
used twice), the rule versions of 2026-06-01 arrive in a database seeded before, and a holder the old nightly job
marked 逾期未复审 for a 复审 due after the revision is 有效 again."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.certificates import recompute
from app.certificates.issuing import issuance
from app.certificates.models import Certificate, CertificateBasis, CertStatus
from app.extensions import db
from app.rules.catalogue_data import REVISION_19
from app.rules.models import Rule


def test_the_upgrade_keeps_the_meaning_of_old_records(app, cw):
    old = issuance.issue(cw.qualified(cw.persons[0], date(2023, 7, 1)), actor=cw.regulator, today=date(2023, 7, 1))
    cert_id, attempt_id = old.id, old.attempt_id
    db.session.commit()
    db.session.close()
    downgrade(revision="0014")
    try:
        with db.engine.begin() as conn:  # as the old code stored it, and as its nightly job marked it
            conn.execute(
                sa.text(
                    "UPDATE certs_certificates SET review_due_on = :due, review_years = 3, status = 'review_overdue',"
                    " live_key = NULL WHERE id = :id"
                ),
                {"due": date(2026, 7, 1), "id": cert_id},
            )
            assert (
                conn.execute(
                    sa.text("SELECT count(*) FROM rules_rules WHERE valid_from = :d"), {"d": REVISION_19}
                ).scalar()
                == 0
            )
    finally:
        upgrade()
    (basis,) = db.session.scalars(sa.select(CertificateBasis)).all()
    assert (basis.certificate_id, basis.attempt_id) == (cert_id, attempt_id)
    versions = db.session.scalars(
        sa.select(Rule.value).where(Rule.key == "cert.review_years.special_operator").order_by(Rule.valid_from)
    ).all()
    assert versions == [3, 0]
    assert recompute.recompute(date(2026, 12, 6)) == 1
    cert = db.session.get(Certificate, cert_id)
    assert (cert.status, cert.review_due_on, cert.live_key is not None) == (CertStatus.VALID, None, True)
