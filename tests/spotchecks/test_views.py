"""Pages and the public ticket routes through the test client: scoping, ticket security, report PDF, stats."""

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.core.db import utcnow
from app.extensions import db
from app.spotchecks import inspections, tickets
from app.spotchecks.models import Finding, FindingState, Inspection, TicketState
from tests.spotchecks.world import answer_all, claim


def _open_via_form(client, world, **overrides):
    data = {
        "enterprise_id": world.enterprise.id,
        "inspected_on": utcnow().date().isoformat(),
        "inspectors": "李明、王强",
        "doc_number": "（宁）应急检〔2025〕7号",
        "template_id": world.template.id,
        "safety_manager": 1,
        "special_operator": 1,
        "worker": 2,
        "time_limit_minutes": 10,
        "pass_mark": 80,
        "window_minutes": 60,
    }
    data.update(overrides)
    return client.post("/spotchecks/new", data=data)


def test_regulator_opens_inspection_and_sees_qr_codes(world, login):
    world.factory.commit()
    client = login(world.regulator)
    response = _open_via_form(client, world)
    assert response.status_code == 302, response.data.decode()[:2000]
    inspection = db.session.scalars(sa.select(Inspection)).one()
    page = client.get(response.location).data.decode()
    assert page.count("data:image/svg+xml") == 5  # 1 principal + 1 + 1 + 2
    assert world.enterprise.name in page and "抽取可复现" in page
    codes = re.findall(r'data-testid="code">([A-Z0-9]{6})<', page)
    assert len(codes) == 5
    assert "逢查必考" in client.get("/spotchecks/").data.decode()
    live = client.get(f"/spotchecks/{inspection.id}/live.json").get_json()
    assert live["status"] == "open" and len(live["tickets"]) == 5


def test_other_jurisdiction_gets_404_everywhere(world, login):
    inspection = world.open()
    findings_ticket = inspection.active_tickets[0]
    world.factory.commit()
    client = login(world.other_regulator)
    base = f"/spotchecks/{inspection.id}"
    for url in (base, f"{base}/live.json", f"{base}/report.pdf"):
        assert client.get(url).status_code == 404, url
    for url in (
        f"{base}/close",
        f"{base}/add",
        f"{base}/tickets/{findings_ticket.id}/swap",
        f"{base}/tickets/{findings_ticket.id}/reissue",
    ):
        assert client.post(url, data={"reason": "x"}).status_code == 404, url
    assert world.enterprise.name not in client.get("/spotchecks/").data.decode()
    # and may not open one for an enterprise outside its area
    response = _open_via_form(client, world)
    assert response.status_code == 200 and "不在您的辖区内" in response.data.decode()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == 1


def test_enterprise_admin_sees_own_inspection_read_only(world, login):
    inspection = world.open()
    world.factory.commit()
    client = login(world.enterprise_admin)
    page = client.get(f"/spotchecks/{inspection.id}").data.decode()
    assert "data:image/svg+xml" not in page  # no tickets for the inspected enterprise
    assert client.post(f"/spotchecks/{inspection.id}/close").status_code == 403


def test_no_principal_is_flagged_clearly(factory, login):
    from tests.spotchecks.world import World

    world = World.build(factory, principals=0)
    factory.commit()
    client = login(world.regulator)
    response = _open_via_form(client, world)
    page = client.get(response.location).data.decode()
    assert "没有主要负责人" in page


# ---------------------------------------------------------------- public ticket pages


@pytest.fixture
def ticketed(world):
    inspection = world.open()
    ticket = next(t for t in inspection.active_tickets if t.post == "principal")
    token, code = tickets.ticket_secrets(ticket)
    world.factory.commit()
    return world, inspection, ticket, token, code


def test_phone_flow_identity_answer_submit(ticketed, app):
    _world, _inspection, ticket, token, _code = ticketed
    phone = app.test_client()
    page = phone.get(f"/s/{token}")
    assert page.status_code == 200 and "完整的证件号码" in page.data.decode()
    person = ticket.person
    response = phone.post(f"/s/{token}", data={"name": person.name, "id_number": person.id_number})
    assert response.status_code == 302
    exam = phone.get(f"/s/{token}").data.decode()
    assert f'data-api="/s/{token}/api"' in exam
    state = phone.get(f"/s/{token}/api/state").get_json()
    assert len(state["questions"]) == 10 and state["state"] == "in_progress"
    assert "answer" not in state["questions"][0] and "explanation" not in state["questions"][0]
    assert phone.post(f"/s/{token}/api/focus", json={"event": "hidden"}).get_json()["focus_losses"] == 1
    db.session.expire_all()
    answer_all(db.session.get(type(ticket), ticket.id), correct=10)
    db.session.commit()
    saved = phone.post(f"/s/{token}/api/answer", json={"position": 0, "response": [0], "seq": 99})
    assert saved.status_code == 200 and saved.get_json()["applied"] is True
    result = phone.post(f"/s/{token}/api/submit").get_json()
    assert result["state"] == "graded"
    done = phone.get(f"/s/{token}").data.decode()
    assert "已交卷" in done
    db.session.expire_all()
    assert db.session.get(type(ticket), ticket.id).status is TicketState.DONE


def test_short_code_redirects_to_ticket(ticketed, app):
    _world, _inspection, _ticket, token, code = ticketed
    phone = app.test_client()
    response = phone.post("/s", data={"code": code.lower()})
    assert response.status_code == 302 and response.location.endswith(f"/s/{token}")
    wrong = phone.post("/s", data={"code": "ZZZZZZ"})
    assert "考试码无效" in wrong.data.decode()


def test_guessed_or_altered_token_is_404_and_rate_limited(ticketed, app):
    _world, _inspection, _ticket, token, _code = ticketed
    app.config["SPOTCHECK_MAX_GUESSES"] = 3
    try:
        phone = app.test_client()
        altered = token[:-2] + ("xy" if token[-2:] != "xy" else "ab")
        for _ in range(3):
            response = phone.get(f"/s/{altered}")
            assert response.status_code == 404 and "考试码无效" in response.data.decode()
        assert phone.get(f"/s/{altered}").status_code == 429
        # only misses are limited: a real link still opens from the same address (a whole site behind one NAT)
        real = phone.get(f"/s/{token}")
        assert real.status_code == 200 and "请核对身份" in real.data.decode()
    finally:
        app.config["SPOTCHECK_MAX_GUESSES"] = 20


def test_wrong_digits_five_times_locks_and_nothing_recorded(ticketed, app):
    _world, _inspection, ticket, token, _code = ticketed
    phone = app.test_client()
    person_id = ticket.person_id
    before = db.session.scalar(
        sa.select(sa.func.count()).select_from(ArchiveEvent).where(ArchiveEvent.person_id == person_id)
    )
    for i in range(4):
        page = phone.post(
            f"/s/{token}", data={"name": ticket.person.name, "id_number": "110101199003070000"}
        ).data.decode()
        assert f"还可尝试 {4 - i} 次" in page
    locked = phone.post(f"/s/{token}", data={"name": ticket.person.name, "id_number": "110101199003070000"})
    assert locked.status_code == 403 and "已锁定" in locked.data.decode()
    assert "已锁定" in phone.get(f"/s/{token}").data.decode()
    db.session.expire_all()
    assert db.session.get(type(ticket), ticket.id).status is TicketState.LOCKED
    after = db.session.scalar(
        sa.select(sa.func.count()).select_from(ArchiveEvent).where(ArchiveEvent.person_id == person_id)
    )
    assert after == before


def test_second_device_is_refused(ticketed, app):
    _world, _inspection, ticket, token, _code = ticketed
    first, second = app.test_client(), app.test_client()
    person = ticket.person
    assert first.post(f"/s/{token}", data={"name": person.name, "id_number": person.id_number}).status_code == 302
    page = second.get(f"/s/{token}")
    assert page.status_code == 403 and "另一台手机" in page.data.decode()
    refused = second.post(f"/s/{token}", data={"name": person.name, "id_number": person.id_number})
    assert refused.status_code == 403
    assert second.get(f"/s/{token}/api/state").status_code == 404
    assert second.post(f"/s/{token}/api/answer", json={"position": 0, "response": [0], "seq": 5}).status_code == 404
    assert second.post(f"/s/{token}/api/submit").status_code == 404


def test_expired_ticket_page(world, app):
    inspection = world.open(now=utcnow() - timedelta(hours=3), window_minutes=30)
    token, _ = tickets.ticket_secrets(inspection.active_tickets[0])
    world.factory.commit()
    page = app.test_client().get(f"/s/{token}")
    assert page.status_code == 410 and "已失效" in page.data.decode()


def test_reissued_old_token_is_void(ticketed, app, login):
    world, inspection, ticket, token, _code = ticketed
    client = login(world.regulator)
    assert (
        client.post(f"/spotchecks/{inspection.id}/tickets/{ticket.id}/reissue", data={"reason": "换手机"}).status_code
        == 302
    )
    page = app.test_client().get(f"/s/{token}")
    assert page.status_code == 403 and "已作废" in page.data.decode()


# ---------------------------------------------------------------- closing, findings, report, stats


def _closed(world):
    inspection = world.open()
    principal = next(t for t in inspection.active_tickets if t.post == "principal")
    claim(principal)
    answer_all(principal, correct=7)
    inspections.close_inspection(inspection, actor=world.regulator)
    world.factory.commit()
    return inspection, principal


def test_report_pdf_has_enterprise_and_scores(world, login):
    import pdfplumber

    inspection, principal = _closed(world)
    response = login(world.regulator).get(f"/spotchecks/{inspection.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.data)) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert world.enterprise.name in text
    assert principal.person.name in text and "70" in text
    assert "（宁）应急检〔2025〕12号" in text and "整改问题清单" in text


def test_enterprise_works_findings_and_regulator_closes(world, login):
    _inspection, principal = _closed(world)
    finding = next(f for f in db.session.scalars(sa.select(Finding)) if f.person_id == principal.person_id)
    admin = login(world.enterprise_admin)
    listing = admin.get("/spotchecks/findings").data.decode()
    assert principal.person.name in listing
    assert admin.post(f"/spotchecks/findings/{finding.id}/retraining", data={"note": "4月班"}).status_code == 302
    start = (utcnow() + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M")
    end = (utcnow() + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M")
    assert (
        admin.post(f"/spotchecks/findings/{finding.id}/makeup", data={"opens_at": start, "closes_at": end}).status_code
        == 302
    )
    assert admin.post(f"/spotchecks/findings/{finding.id}/submit", data={}).status_code == 302
    assert admin.post(f"/spotchecks/findings/{finding.id}/close", data={}).status_code == 403
    regulator = login(world.regulator)
    page = regulator.post(f"/spotchecks/findings/{finding.id}/close", data={}, follow_redirects=True).data.decode()
    assert "尚无合格的补考成绩" in page
    regulator.post(f"/spotchecks/findings/{finding.id}/reject", data={"reason": "未见补考"})
    db.session.expire_all()
    assert db.session.get(Finding, finding.id).status is FindingState.REJECTED
    regulator.post(f"/spotchecks/findings/{finding.id}/close", data={"override_reason": "已调岗"})
    db.session.expire_all()
    assert db.session.get(Finding, finding.id).status is FindingState.CLOSED
    assert login(world.other_regulator).get(f"/spotchecks/findings/{finding.id}").status_code == 404


def test_overdue_findings_are_flagged(world, login):
    _inspection, _principal = _closed(world)
    for f in db.session.scalars(sa.select(Finding)):
        f.deadline = utcnow().date() - timedelta(days=1)
    db.session.commit()
    page = login(world.enterprise_admin).get("/spotchecks/findings?status=overdue").data.decode()
    assert 'data-testid="overdue"' in page


def test_stats_pass_rates_and_most_missed(world, login):
    _closed(world)
    page = login(world.regulator).get("/spotchecks/stats").data.decode()
    assert world.enterprise.name in page and "危险化学品" in page
    assert "重大事故隐患判定标准" in page or "应急处置" in page
    assert "0.0%" in page or "%" in page


def test_person_file_shows_results(world, login):
    _inspection, principal = _closed(world)
    kinds = set(
        db.session.scalars(
            sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == principal.person_id).order_by(ArchiveEvent.seq)
        )
    )
    assert {"spotcheck.sampled", "spotcheck.result", "finding.opened"} <= kinds
