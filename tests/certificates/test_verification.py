"""The public verification page: by QR code, by 证号 + 姓名, by 证件号码 + 姓名; status for every status, masked
personal data only, one plain not-found, and the per-address limit."""

from __future__ import annotations

from datetime import date

import pytest

from app.certificates import issuing, verification
from app.certificates.models import Certificate, CertStatus
from app.core.db import conditional_update
from app.extensions import db

ISSUED = date(2026, 1, 10)


@pytest.fixture
def cert(cw) -> Certificate:
    cert = issuing.issue(cw.qualified(cw.persons[0], ISSUED), actor=cw.regulator, today=ISSUED)
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
        "2029-01-10",
        "南京市应急管理局",
        issuing.masked_number(cert.number),
    ):
        assert shown in html, shown
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
        (date(2028, 11, 10), "有效"),
        (date(2028, 11, 11), "待复审"),
        (date(2029, 1, 11), "逾期未复审"),
        (date(2032, 1, 11), "失效"),
    ],
)
def test_dated_statuses_follow_the_calendar_without_the_nightly_job(client, cert, monkeypatch, today, label):
    monkeypatch.setattr(verification, "local_today", lambda: today)
    html = page(client.get(f"/v/{cert.verify_code}"))
    assert f'data-testid="verify-status">{label}<' in html
    assert cert.status is CertStatus.VALID  # nothing was written: the page reads the calendar


def test_lookup_by_number_and_name_and_by_id_and_name(client, cw, cert):
    person = cw.persons[0]
    client.get("/verify")
    by_number = client.post("/verify", data={"by": "number", "key": cert.number.lower(), "name": "王大锤"})
    assert by_number.status_code == 200 and "低压电工作业" in page(by_number)
    by_id = client.post("/verify", data={"by": "id", "key": person.id_number, "name": "王大锤"})
    assert by_id.status_code == 200 and "低压电工作业" in page(by_id)


@pytest.mark.parametrize(
    "form",
    [
        {"by": "number", "key": "T000000000000000000", "name": "王大锤"},
        {"by": "number", "key": "CERT", "name": "李小红"},  # a real number with another person's name
        {"by": "id", "key": "ID", "name": "李小红"},
    ],
)
def test_misses_are_one_plain_not_found(client, cw, cert, form):
    form = dict(form)
    form["key"] = {"CERT": cert.number, "ID": cw.persons[0].id_number}.get(form["key"], form["key"])
    response = client.post("/verify", data=form)
    assert response.status_code == 404
    assert "未查询到相关证书信息" in page(response) and 'data-testid="verify-record"' not in page(response)


def test_an_altered_code_is_not_found(client, cert):
    altered = cert.verify_code[:-1] + ("A" if cert.verify_code[-1] != "A" else "B")
    for code in (altered, "x", cert.verify_code.upper()):
        response = client.get(f"/v/{code}")
        assert response.status_code == 404 and "未查询到相关证书信息" in page(response)


def test_lookups_are_limited_per_address(app, client, cert):
    limit = app.config["CERT_VERIFY_LIMIT"]
    codes = [client.get("/v/unknown", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code for _ in range(limit)]
    assert codes == [404] * limit
    blocked = client.get(f"/v/{cert.verify_code}", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert blocked.status_code == 429 and "查询过于频繁，请稍后再试" in page(blocked)
    assert "低压电工作业" not in page(blocked)
    other = client.get(f"/v/{cert.verify_code}", environ_base={"REMOTE_ADDR": "10.9.9.10"})
    assert other.status_code == 200
