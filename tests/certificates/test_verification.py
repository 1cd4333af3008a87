"""The public verification page: by QR code, by 证号 + 姓名, by 证件号码 + 姓名; status for every status, masked
personal data only, one plain not-found, and the per-address limit."""

from __future__ import annotations

from datetime import date

import pytest

from app.certificates import verification
from app.certificates.issuing import issuance, numbering
from app.certificates.models import Certificate, CertStatus
from app.core.db import conditional_update
from app.extensions import db

ISSUED = date(2026, 1, 10)


@pytest.fixture
def cert(cw) -> Certificate:
    cert = issuance.issue(cw.qualified(cw.persons[0], ISSUED), actor=cw.regulator, today=ISSUED)
    db.session.commit()
    return cert


def page(response) -> str:
    return response.get_data(as_text=True)


def test_the_qr_page_shows_the_public_record_masked(client, cw, cert):
    person = cw.persons[0]
    response = client.get(f"/v/{cert.verify_code}")
    html = page(response)
    assert response.status_code == 200
    for shown in (
        "特种作业操作证",
        "王*锤",
        person.id_masked,
        "电工作业",
        "低压电工作业",
        "2026-01-10",
        "2032-01-10",
        "换证 2032-01-10",  # the next obligation (应急管理部令第19号): no 复审 in 2029
        "南京市应急管理局",
        numbering.masked_number(cert.number),
    ):
        assert shown in html, shown
    assert "应复审日期" not in html and "2029-01-10" not in html
    for hidden in ("王大锤", person.id_number, person.phone or "no-phone-on-record"):
        assert hidden not in html, hidden


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (CertStatus.VALID, "有效"),
        (CertStatus.SUSPENDED, "暂扣"),
        (CertStatus.REVOKED, "撤销"),
        (CertStatus.CANCELLED, "注销"),
    ],
)
def test_every_decided_status_is_shown(client, cert, status, label):
    db.session.execute(conditional_update(Certificate).where(Certificate.id == cert.id).values(status=status))
    db.session.commit()
    html = page(client.get(f"/v/{cert.verify_code}"))
    assert f'data-testid="verify-status">{label}<' in html


@pytest.mark.parametrize(
    ("today", "label"),
    [
        (date(2029, 1, 11), "有效"),  # 30号令 would have said 逾期未复审 here
        (date(2031, 11, 10), "有效"),
        (date(2031, 11, 11), "待换证"),
        (date(2032, 1, 11), "过期"),
    ],
)
def test_dated_statuses_follow_the_calendar_without_the_nightly_job(client, cert, monkeypatch, today, label):
    monkeypatch.setattr(verification, "local_today", lambda: today)
    html = page(client.get(f"/v/{cert.verify_code}"))
    assert f'data-testid="verify-status">{label}<' in html
    assert cert.status is CertStatus.VALID  # nothing was written: the page reads the calendar


@pytest.mark.parametrize(
    ("today", "label"),
    [(date(2022, 12, 31), "待复审"), (date(2023, 3, 2), "逾期未复审"), (date(2026, 12, 6), "逾期未复审")],
)
def test_a_card_of_order_30_keeps_its_meaning(client, cw, monkeypatch, today, label):
    old = issuance.issue(cw.qualified(cw.persons[1], date(2020, 3, 1)), actor=cw.regulator, today=date(2020, 3, 1))
    db.session.commit()
    monkeypatch.setattr(verification, "local_today", lambda: today)
    html = page(client.get(f"/v/{old.verify_code}"))
    assert f'data-testid="verify-status">{label}<' in html
    assert 'data-field="review-due">2023-03-01<' in html
