"""The staff pages: issuing for a sitting (refusals with reasons), a decision with 文号, the PDF, the holder's list."""

from __future__ import annotations

import sqlalchemy as sa

from app.certificates.models import Certificate, CertStatus
from app.extensions import db


def page(response) -> str:
    return response.get_data(as_text=True)


def test_the_regulator_issues_for_a_sitting_and_sees_the_refusals(client, login, cw):
    login(cw.regulator)
    preview = page(client.get(f"/certificates/issue/{cw.sitting.id}"))
    assert "特种作业操作证" in preview
    assert "未通过该资格考试" in preview and "未登记本人证件照片" in preview
    eligible = cw.attempt_of(cw.persons[0]).id
    response = client.post(f"/certificates/issue/{cw.sitting.id}", data={"attempts": [eligible]})
    assert response.status_code == 302
    after = page(client.get(response.location))
    assert "已发证 1 人" in after and "已发证</a>" in after
    holders = db.session.scalars(sa.select(Certificate.person_id)).all()
    assert holders == [cw.persons[0].id]


def test_the_enterprise_sees_the_preview_but_may_not_issue_an_authority_certificate(client, login, cw):
    login(cw.admin)
    preview = page(client.get(f"/certificates/issue/{cw.sitting.id}"))
    assert "该账号无权为本场次签发证书。" in preview
    eligible = cw.attempt_of(cw.persons[0]).id
    assert client.post(f"/certificates/issue/{cw.sitting.id}", data={"attempts": [eligible]}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


def _issued(client, login, cw) -> Certificate:
    login(cw.regulator)
    client.post(f"/certificates/issue/{cw.sitting.id}", data={"attempts": [cw.attempt_of(cw.persons[0]).id]})
    return db.session.scalars(sa.select(Certificate)).one()


def test_a_suspension_needs_its_document_number_and_shows_in_the_history(client, login, cw):
    cert = _issued(client, login, cw)
    refused = client.post(f"/certificates/{cert.id}/suspend", data={"reason": "违章作业", "doc_number": ""})
    assert "请填写决定文号" in page(client.get(refused.location))
    done = client.post(
        f"/certificates/{cert.id}/suspend", data={"reason": "违章作业", "doc_number": "宁应急暂〔2026〕5号"}
    )
    html = page(client.get(done.location))
    assert "宁应急暂〔2026〕5号" in html and 'data-testid="cert-status">暂扣<' in html
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).status is CertStatus.SUSPENDED


def test_the_enterprise_may_not_suspend(client, login, cw):
    cert = _issued(client, login, cw)
    login(cw.admin)
    assert "暂扣 / 发还 / 撤销 / 注销" not in page(client.get(f"/certificates/{cert.id}"))
    response = client.post(f"/certificates/{cert.id}/suspend", data={"reason": "x", "doc_number": "y"})
    assert response.status_code == 403


def test_the_pdf_is_rendered_on_first_download(client, login, cw):
    cert = _issued(client, login, cw)
    response = client.get(f"/certificates/{cert.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data()[:5] == b"%PDF-"
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).pdf_version == 1


def test_the_holder_sees_their_certificates(client, login, cw):
    cert = _issued(client, login, cw)
    worker = cw.factory.worker(cw.persons[0])
    cw.factory.commit()
    login(worker)
    html = page(client.get("/certificates/mine"))
    assert "低压电工作业" in html and f"/certificates/{cert.id}" in html
    assert client.get("/certificates/").status_code == 403


def test_the_dossier_shows_the_persons_certificates(client, login, cw):
    _issued(client, login, cw)
    login(cw.admin)
    html = page(client.get(f"/people/{cw.persons[0].id}"))
    slot = html[html.index('data-testid="certificates-slot"') :][:1200]
    assert "特种作业操作证 · 低压电工作业" in slot and ">有效<" in slot
