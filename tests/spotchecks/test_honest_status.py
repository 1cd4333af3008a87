"""After 结束现场测试, a person who never scanned is 未参加 everywhere (inspection page, report PDF, file, finding);
a swapped-out person's file ends with the outcome; a manual 销号 shows its reason; notes are in local time."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pdfplumber

from app.core.clock import format_local
from app.core.db import utcnow
from app.extensions import db
from app.spotchecks import findings as rectification
from app.spotchecks import inspections
from tests.spotchecks.world import answer_all, claim


def _closed_inspection(world):
    """Principal answers 6/10; one worker is swapped out for absence; everyone else never scans."""
    inspection = world.open(rule={"principal": 1, "safety_manager": 1, "special_operator": 0, "worker": 1})
    principal = next(t for t in inspection.active_tickets if t.post == "principal")
    manager = next(t for t in inspection.active_tickets if t.post == "safety_manager")
    worker = next(t for t in inspection.active_tickets if t.post == "worker")
    claim(principal)
    answer_all(principal, correct=6)
    inspections.swap_ticket(worker, actor=world.regulator, reason="出差不在岗")
    findings = inspections.close_inspection(inspection, actor=world.regulator, now=utcnow() + timedelta(minutes=1))
    db.session.commit()
    return inspection, principal, manager, worker, findings


def test_absent_is_absent_on_every_page(world, client, login):
    inspection, _principal, manager, _worker, findings = _closed_inspection(world)
    login(world.regulator)

    page = client.get(f"/spotchecks/{inspection.id}").get_data(as_text=True)
    card = re.search(rf'data-testid="ticket-{manager.person.name}".*?</div>\s*</div>', page, re.S).group(0)
    assert "未参加" in card and "0 分" not in card and "已完成" not in card

    person = client.get(f"/people/{manager.person.id}").get_data(as_text=True)
    assert "未参加" in person and "得分</dt><dd>0/" not in person and "0/100" not in person

    finding = next(f for f in findings if f.person_id == manager.person_id)
    page = client.get(f"/spotchecks/findings/{finding.id}").get_data(as_text=True)
    assert "未参加现场测试" in page and "0 分" not in page

    pdf = client.get(f"/spotchecks/{inspection.id}/report.pdf")
    assert pdf.status_code == 200
    with pdfplumber.open(io.BytesIO(pdf.data)) as doc:
        text = "\n".join(p.extract_text() for p in doc.pages)
    # the table's header and each name on one line each: no column too narrow for its words (issue #15 item 9)
    assert "姓名 证件号码 岗位 用工形式 抽取方式 得分 结果" in text.splitlines()
    line = next(line for line in text.splitlines() if line.startswith(manager.person.name))
    assert line.endswith("未参加") and " 0 " not in line
    assert "抽中 3 人，实际受测 1 人" in text and "未参加 2 人" in text  # the swapped-in worker never came either


def test_swapped_out_person_file_shows_the_outcome(world, client, login):
    _inspection, _p, _m, worker, _f = _closed_inspection(world)
    login(world.regulator)
    page = client.get(f"/people/{worker.person.id}").get_data(as_text=True)
    assert "逢查必考 受测作废" in page and "出差不在岗" in page and "由同岗位人员替换" in page


def test_manual_close_reason_in_the_timeline_and_notes_in_local_time(world, client, login):
    _inspection, principal, _m, _w, findings = _closed_inspection(world)
    finding = next(f for f in findings if f.person_id == principal.person_id)
    now = utcnow().replace(hour=23, minute=30, second=0, microsecond=0)  # 07:30 the next morning in Shanghai
    rectification.close_finding(finding, actor=world.regulator, override_reason="已调离岗位", now=now)
    db.session.commit()
    assert f"[{format_local(now)}]" in finding.notes and f"[{now:%Y-%m-%d %H:%M}]" not in finding.notes
    login(world.regulator)
    page = client.get(f"/people/{principal.person.id}").get_data(as_text=True)
    assert "整改销号" in page and "人工销号理由" in page and "已调离岗位" in page


def test_dossier_pdf_has_the_chain_result_and_history(world, client, login):
    _inspection, principal, _m, _w, _f = _closed_inspection(world)
    login(world.regulator)
    response = client.get(f"/people/{principal.person.id}/dossier.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.data)) as doc:
        text = "\n".join(p.extract_text() for p in doc.pages)
    assert "校验通过：记录未被篡改" in text
    assert principal.person.id_masked in text
    assert "（宁）应急检〔2025〕12号" in text and "60/100 不合格 待整改" in text
    assert re.search(r"\d{4}-\d{2}-\d{2}T\d{2}", text) is None
