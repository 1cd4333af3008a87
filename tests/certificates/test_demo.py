"""The demo shows certificates under both rules: one issued under 应急管理部令第19号 with 换证 ahead, one issued under
30号令 with its 复审 of 2025 on record (its 2028 复审 abolished), a revoked one — and they verify publicly — and the
培训合格证明 the training centre issued for its 复审（换证）培训 class."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.certificates import lifecycle
from app.certificates.models import Certificate, CertKind, CertStatus, EventKind
from app.extensions import db
from app.seed.demo import seed_demo


def test_the_demo_has_certificates_under_both_rules(client):
    assert seed_demo() is True
    db.session.commit()
    certs = db.session.scalars(
        sa.select(Certificate).where(Certificate.kind == CertKind.SPECIAL_OPERATOR).order_by(Certificate.id)
    ).all()
    new, old, revoked = certs
    today = date(2026, 12, 6)
    assert [lifecycle.effective_status(c, today) for c in certs] == [
        CertStatus.VALID,
        CertStatus.VALID,
        CertStatus.REVOKED,
    ]
    assert all(c.person.photo_key for c in certs)
    assert (new.review_due_on, lifecycle.next_obligation(new, today).duty.label) == (None, "换证")
    assert old.first_issued_on == date(2022, 3, 15) and old.valid_to == date(2028, 3, 15)
    assert [e.kind for e in old.events] == [EventKind.ISSUED, EventKind.REVIEWED]  # the 复审 of 2025 (30号令)
    assert lifecycle.next_obligation(old, today).duty.label == "换证"  # the 2028 复审 no longer exists
    assert new.authority == "南京市应急管理局"
    page = client.get(f"/v/{old.verify_code}").get_data(as_text=True)
    assert 'data-field="reviewed-on">2025-02-20<' in page and "应复审日期" not in page
    page = client.get(f"/v/{revoked.verify_code}").get_data(as_text=True)
    assert 'data-testid="verify-status">撤销<' in page

    training = db.session.scalars(
        sa.select(Certificate).where(Certificate.kind == CertKind.TRAINING).order_by(Certificate.id.desc())
    ).first()
    assert training.status is CertStatus.VALID and training.person_id == old.person_id
    assert training.authority == "南京安培安全培训中心" and training.training_class_id is not None
    assert training.facts["training_type"] == "复审培训" and training.facts["hours"] == "8"
    page = client.get(f"/v/{training.verify_code}").get_data(as_text=True)
    assert 'data-testid="verify-status">有效<' in page and "低压电工作业 复审培训课程（演示）" in page


def test_the_dossier_pdf_lists_the_certificates_and_this_years_hours(client, login):
    """一人一档 as PDF: 持证情况 with number, item, validity, status and the 复审 on record, and 培训学时 — not
    placeholders."""
    import io

    import pdfplumber

    from app.auth.models import User

    assert seed_demo() is True
    db.session.commit()
    old = db.session.scalars(
        sa.select(Certificate).where(Certificate.kind == CertKind.SPECIAL_OPERATOR).order_by(Certificate.id)
    ).all()[1]
    regulator = db.session.scalar(sa.select(User).where(User.username == "regulator"))
    login(regulator, "anpei-demo")
    response = client.get(f"/people/{old.person_id}/dossier.pdf")
    assert response.status_code == 200
    with pdfplumber.open(io.BytesIO(response.data)) as doc:
        text = "\n".join(p.extract_text() for p in doc.pages)
    assert "上线后在此显示" not in text
    assert old.number in text and "低压电工作业" in text
    assert "2022-03-15 至 2028-03-15" in text and "复审 2025-02-20" in text
    assert "复审培训" in text  # the 培训合格证明 of the training centre's class
    assert "本年度已获" in text
