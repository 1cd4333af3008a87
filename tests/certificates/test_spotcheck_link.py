"""逢查必考 meets certificates: the inspection shows each sampled person's certificates, and a failure can start a
暂扣 proposal the regulator completes with the decision's 文号 (issue #14)."""

from __future__ import annotations

import re
from html import unescape

from app.certificates.issuing import issuance
from app.certificates.models import Certificate, CertStatus
from app.core.clock import local_today
from app.extensions import db
from app.spotchecks import inspections
from tests.spotchecks.world import forget_question_indexes, make_bank


def test_a_failed_spot_check_proposes_suspending_a_valid_certificate(client, login, cw):
    forget_question_indexes()
    holder = cw.persons[0]
    cert = issuance.issue(cw.attempt_of(holder), actor=cw.regulator, today=local_today())
    _bank, template = make_bank()
    data = inspections.InspectionData(
        inspected_on=local_today(),
        inspectors="李明、王强",
        doc_number="（宁）应急检〔2026〕7号",
        template=template,
        rule={"principal": 1, "safety_manager": 0, "special_operator": 3, "worker": 0},
        window_minutes=60,
        time_limit_minutes=10,
        pass_mark=80,
    )
    inspection = inspections.open_inspection(data, cw.enterprise, actor=cw.regulator, seed=5)
    inspections.close_inspection(inspection, actor=cw.regulator)  # nobody answered: everyone failed
    db.session.commit()

    page = login(cw.regulator).get(f"/spotchecks/{inspection.id}").get_data(as_text=True)
    card = page.split(f'data-testid="ticket-{holder.name}"', 1)[1].split('data-testid="ticket-', 1)[0]
    assert "特种作业操作证" in card and "有效" in card
    link = unescape(re.search(r'data-testid="propose-suspension" href="([^"]+)"', card).group(1))
    others = page.split(f'data-testid="ticket-{cw.persons[2].name}"', 1)[1].split('data-testid="ticket-', 1)[0]
    assert "无在册证书" in others

    proposal = client.get(link).get_data(as_text=True)
    assert "逢查必考不合格，提议暂扣" in proposal and "逢查必考不合格（（宁）应急检〔2026〕7号）" in proposal
    response = client.post(
        f"/certificates/{cert.id}/suspend",
        data={"reason": "逢查必考不合格（（宁）应急检〔2026〕7号）", "doc_number": "（宁）应急罚〔2026〕3号"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).status is CertStatus.SUSPENDED
    # the inspected enterprise sees the certificate, but no proposal button
    page = login(cw.admin).get(f"/spotchecks/{inspection.id}").get_data(as_text=True)
    assert 'data-testid="propose-suspension"' not in page
    forget_question_indexes()
