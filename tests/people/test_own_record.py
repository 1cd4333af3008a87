"""The person's own record (个人信息保护法 第四十五条、第四十六条): downloading the 一人一档 as PDF and JSON, and asking
the employer or the authority to correct it. Every download, request and answer is an archive event."""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.extensions import db
from tests.conftest import csrf_token_from


def _kinds(person_id: int) -> list[str]:
    return db.session.scalars(
        sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == person_id).order_by(ArchiveEvent.seq)
    ).all()


def test_the_worker_downloads_the_record_as_pdf_and_json(client, login, world):
    login(world.worker_a)
    home = client.get("/").get_data(as_text=True)
    assert "/me/record.pdf" in home and "/me/record.json" in home
    pdf = client.get("/me/record.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    data = client.get("/me/record.json")
    assert data.status_code == 200 and data.mimetype == "application/json"
    record = json.loads(data.data)
    assert record["person"]["name"] == "王大锤"
    assert record["person"]["id_number"] == world.person_a.id_number
    assert record["employments"][0]["enterprise"] == "玄武化工有限公司"
    assert record["events"] and all(e["at"].endswith("+08:00") for e in record["events"])
    assert record["generated_at"].endswith("+08:00")
    assert _kinds(world.person_a.id).count("person.record_downloaded") == 2
    timeline = client.get(f"/people/{world.person_a.id}").get_data(as_text=True)
    assert "下载本人档案" in timeline


def test_others_cannot_download_the_persons_own_record(client, login, world):
    login(world.admin_a)
    assert client.get("/me/record.json").status_code in (403, 404)


def test_a_correction_request_is_answered_by_the_employer(client, login, world):
    login(world.worker_a)
    page = client.get("/me/corrections")
    assert page.status_code == 200
    response = client.post(
        "/me/corrections",
        data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "field": "education",
            "wrong": "文化程度登记为初中",
            "proposed": "高中",
            "addressee": f"enterprise:{world.ent_a.id}",
        },
        follow_redirects=True,
    )
    assert "已提交更正申请" in response.get_data(as_text=True)
    assert "person.correction_requested" in _kinds(world.person_a.id)

    login(world.admin_b)  # not the employer
    assert "文化程度登记为初中" not in client.get("/people/record-corrections").get_data(as_text=True)
    login(world.admin_a)
    listing = client.get("/people/record-corrections").get_data(as_text=True)
    assert "文化程度登记为初中" in listing and "王大锤" in listing
    from app.people.models import RecordCorrection

    correction = db.session.scalars(sa.select(RecordCorrection)).one()
    url = f"/people/record-corrections/{correction.id}"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    refused = client.post(url, data={"csrf_token": token, "decision": "refuse", "note": ""}, follow_redirects=True)
    assert "请说明理由" in refused.get_data(as_text=True)
    done = client.post(url, data={"csrf_token": token, "decision": "accept", "note": "已按毕业证更正"})
    assert done.status_code == 302
    again = client.post(
        url, data={"csrf_token": token, "decision": "refuse", "note": "再答一次"}, follow_redirects=True
    )
    assert "已答复" in again.get_data(as_text=True)
    assert _kinds(world.person_a.id).count("person.correction_answered") == 1

    login(world.worker_a)
    mine = client.get("/me/corrections").get_data(as_text=True)
    assert "已接受" in mine and "已按毕业证更正" in mine


def test_the_regulator_answers_a_request_to_the_authority(client, login, world):
    login(world.worker_a)
    page = client.get("/me/corrections")
    client.post(
        "/me/corrections",
        data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "field": "certificate",
            "wrong": "证书有效期错误",
            "proposed": "2030-01-01",
            "addressee": "authority",
        },
    )
    login(world.regulator_sz)
    assert "证书有效期错误" not in client.get("/people/record-corrections").get_data(as_text=True)
    login(world.regulator_nj)
    assert "证书有效期错误" in client.get("/people/record-corrections").get_data(as_text=True)
    from app.people.models import RecordCorrection

    correction = db.session.scalars(sa.select(RecordCorrection)).one()
    url = f"/people/record-corrections/{correction.id}"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    client.post(url, data={"csrf_token": token, "decision": "refuse", "note": "与发证记录一致"})
    login(world.worker_a)
    mine = client.get("/me/corrections").get_data(as_text=True)
    assert "未接受" in mine and "与发证记录一致" in mine
