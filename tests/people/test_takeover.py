"""Person master data (name, phone, …) belongs to the person, not to whichever employer typed their ID number:
a second employer adds an employment and nothing else; shared fields change only through one gate that checks
who may and records the change in the file."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.extensions import db
from app.people.models import Employment, Person, PersonMasterDataGuard
from app.people.services import change_person_details
from tests.people.test_roster_views import person_form
from tests.people.world import row, xlsx_bytes


def reload(person_id: int) -> Person:
    db.session.expire_all()
    return db.session.get(Person, person_id)


def kinds(person_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == person_id).order_by(ArchiveEvent.seq)
        )
    )


def test_another_enterprise_cannot_rename_a_person_by_adding_them(client, login, world):
    pid, number = world.person_a.id, world.person_a.id_number
    login(world.admin_b)
    page = client.post("/people/new", data=person_form(name="冒名者", id_number=number, phone="13000000000"))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "该证件号码已登记，但姓名与登记信息不一致" in text
    assert "王大锤" not in text  # the registered name is not told to the other employer
    person = reload(pid)
    assert (person.name, person.phone) == ("王大锤", "")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Employment)) == 1
    # the first employer still sees its worker's real name
    login(world.admin_a)
    assert "王大锤" in client.get(f"/people/{pid}").get_data(as_text=True)


def test_second_employer_adds_an_employment_but_not_its_phone(client, login, world):
    pid, number = world.person_a.id, world.person_a.id_number
    login(world.admin_b)
    response = client.post("/people/new", data=person_form(name="王大锤", id_number=number, phone="13000000000"))
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "该人员已登记，手机号未更改" in page
    person = reload(pid)
    assert person.phone == "" and {e.enterprise_id for e in person.current_employments} == {
        world.ent_a.id,
        world.ent_b.id,
    }


def test_a_co_employer_cannot_edit_shared_fields(client, login, world):
    pid, number = world.person_a.id, world.person_a.id_number
    login(world.admin_b)
    assert client.post("/people/new", data=person_form(name="王大锤", id_number=number)).status_code == 302
    employment_b = db.session.scalars(sa.select(Employment).where(Employment.enterprise_id == world.ent_b.id)).one()
    edit = {
        "name": "王大锤",
        "phone": "13000000000",
        "education": "",
        "post": "worker",
        "employment_type": "regular",
        "operation_code": "",
        "job_title": "",
    }
    page = client.post(f"/employments/{employment_b.id}/edit", data=edit).get_data(as_text=True)
    assert "不能修改手机号：该人员还在其他单位任职" in page
    page = client.post(f"/employments/{employment_b.id}/edit", data=edit | {"phone": "", "name": "李鬼"})
    assert "不能修改姓名：该人员还在其他单位任职" in page.get_data(as_text=True)
    assert (reload(pid).name, reload(pid).phone) == ("王大锤", "")
    # the first employer, now one of two, may not either
    login(world.admin_a)
    employment_a = db.session.scalars(sa.select(Employment).where(Employment.enterprise_id == world.ent_a.id)).one()
    page = client.post(f"/employments/{employment_a.id}/edit", data=edit).get_data(as_text=True)
    assert "不能修改手机号" in page and reload(pid).phone == ""
    # the job's own fields stay editable for each employer
    response = client.post(f"/employments/{employment_a.id}/edit", data=edit | {"phone": "", "job_title": "班长"})
    assert response.status_code == 302


def test_the_only_employer_and_an_authority_may_correct_and_it_is_recorded(world):
    person = world.person_a
    changed = change_person_details(person, {"phone": "13800000001"}, actor=world.admin_a, enterprise=world.ent_a)
    assert changed == {"phone": ["", "13800000001"]}
    changed = change_person_details(person, {"name": "王大椎"}, actor=world.regulator_nj)
    db.session.commit()
    assert reload(person.id).name == "王大椎"
    assert kinds(person.id)[-2:] == ["person.updated", "person.updated"]
    last = db.session.scalars(sa.select(ArchiveEvent).order_by(ArchiveEvent.id.desc())).first()
    assert json.loads(last.payload) == {"changes": {"name": ["王大锤", "王大椎"]}}
    assert last.actor_id == world.regulator_nj.id


def test_shared_fields_cannot_be_written_around_the_gate(world):
    person = db.session.get(Person, world.person_a.id)
    person.name = "随便改"
    with pytest.raises(PersonMasterDataGuard):
        db.session.flush()
    db.session.rollback()
    assert reload(world.person_a.id).name == "王大锤"


def test_roster_import_reports_the_row_and_never_renames(client, login, world):
    login(world.admin_b)
    data = xlsx_bytes([row("冒名者", world.person_a.id_number, phone="13000000000")])
    response = client.post("/people/import", data={"file": (io.BytesIO(data), "r.xlsx")})
    page = client.get(response.location).get_data(as_text=True)
    assert "第 2 行「姓名」：该证件号码已登记，但姓名与登记信息不一致" in page
    confirm = client.post(response.location, data={"batch": response.location.rsplit("/", 1)[1]})
    assert "文件中仍有错误，未导入任何数据" in client.get(confirm.location).get_data(as_text=True)
    assert (reload(world.person_a.id).name, reload(world.person_a.id).phone) == ("王大锤", "")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Employment)) == 1


def test_roster_import_of_a_registered_person_keeps_their_phone(client, login, world):
    login(world.admin_b)
    data = xlsx_bytes([row("王大锤", world.person_a.id_number, phone="13000000000")])
    response = client.post("/people/import", data={"file": (io.BytesIO(data), "r.xlsx")})
    confirm = client.post(response.location, data={"batch": response.location.rsplit("/", 1)[1]})
    assert confirm.status_code == 302
    person = reload(world.person_a.id)
    assert person.phone == "" and len(person.current_employments) == 2
