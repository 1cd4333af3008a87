"""Regulators: the enterprises of their jurisdiction, and registering new ones."""

import re

import sqlalchemy as sa

from app.extensions import db
from app.people.identifiers import uscc_check_char
from app.tenancy.models import Enterprise


def new_uscc(region="320115", serial="MA1XYK123"):
    body = f"91{region}{serial}"
    return body + uscc_check_char(body)


def option_value(page: str, code: str) -> str:
    return re.search(rf'<option[^>]*value="(\d+)"[^>]*>{code} ', page).group(1)


def test_regulator_lists_only_its_subtree(client, login, world, factory):
    factory.enterprise(name="江宁二厂", region="320115")
    factory.commit()
    login(world.regulator_nj)
    page = client.get("/enterprises/").get_data(as_text=True)
    assert "玄武化工有限公司" in page and "江宁机械有限公司" in page and "江宁二厂" in page
    assert "虎丘烟花有限公司" not in page
    home = client.get("/").get_data(as_text=True)
    assert "虎丘烟花有限公司" not in home
    login(world.regulator_sz)
    page = client.get("/enterprises/").get_data(as_text=True)
    assert "虎丘烟花有限公司" in page and "玄武化工有限公司" not in page


def test_enterprise_search(client, login, world):
    login(world.regulator_nj)
    page = client.get("/enterprises/?q=江宁").get_data(as_text=True)
    assert "江宁机械有限公司" in page and "玄武化工有限公司" not in page
    page = client.get(f"/enterprises/?q={world.ent_a.uscc.lower()}").get_data(as_text=True)
    assert "玄武化工有限公司" in page and "江宁机械有限公司" not in page
    assert "玄武化工有限公司" not in client.get("/enterprises/?q=%25").get_data(as_text=True)
    # a code from another city finds nothing
    assert "虎丘烟花有限公司" not in client.get(f"/enterprises/?q={world.ent_c.uscc}").get_data(as_text=True)


def test_regulator_opens_enterprise_and_its_roster(client, login, world):
    login(world.regulator_nj)
    page = client.get(f"/enterprises/{world.ent_a.id}").get_data(as_text=True)
    assert "玄武化工有限公司" in page and world.ent_a.uscc in page
    roster = client.get(f"/people/?enterprise={world.ent_a.id}").get_data(as_text=True)
    assert "王大锤" in roster
    assert client.get(f"/enterprises/{world.ent_c.id}").status_code == 404
    assert client.get(f"/people/?enterprise={world.ent_c.id}").status_code == 404


def test_register_enterprise(client, login, world):
    login(world.regulator_nj)
    form = client.get("/enterprises/new").get_data(as_text=True)
    assert "320115" in form and "320505" not in form and "320500" not in form
    code = new_uscc()
    data = {
        "name": "江宁新材料有限公司",
        "uscc": code.lower(),
        "industry": "hazchem",
        "jurisdiction_id": option_value(form, "320115"),
        "address": "江宁区某路1号",
        "contact_phone": "025-12345678",
    }
    response = client.post("/enterprises/new", data=data)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "已登记 江宁新材料有限公司。" in page and code in page
    enterprise = db.session.scalars(sa.select(Enterprise).where(Enterprise.uscc == code)).one()
    assert enterprise.region_code == "320115"
    assert "江宁新材料有限公司" in client.get("/enterprises/").get_data(as_text=True)

    # the same code again
    page = client.post("/enterprises/new", data={**data, "name": "重复"}).get_data(as_text=True)
    assert f"统一社会信用代码 {code} 已登记" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise).where(Enterprise.name == "重复")) == 0


def test_register_enterprise_with_bad_uscc(client, login, world):
    login(world.regulator_nj)
    form = client.get("/enterprises/new").get_data(as_text=True)
    code = new_uscc()
    bad = code[:17] + ("0" if code[17] != "0" else "1")
    data = {"name": "校验错企业", "uscc": bad, "industry": "general", "jurisdiction_id": option_value(form, "320115")}
    page = client.post("/enterprises/new", data=data).get_data(as_text=True)
    assert re.search(rf'class="field-error"[^>]*>统一社会信用代码 {bad} 校验位错误<', page)
    page = client.post("/enterprises/new", data={**data, "uscc": "91320115MA1XYI123"[:17] + "0"}).get_data(as_text=True)
    assert "含有不允许的字符" in page
    page = client.post("/enterprises/new", data={**data, "uscc": "9132"}).get_data(as_text=True)
    assert "应为 18 位" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise)) == 3


def test_register_outside_jurisdiction_refused(client, login, world):
    login(world.regulator_nj)
    suzhou = db.session.scalars(sa.select(Enterprise.jurisdiction_id).where(Enterprise.id == world.ent_c.id)).one()
    data = {"name": "越界企业", "uscc": new_uscc("320505"), "industry": "general", "jurisdiction_id": str(suzhou)}
    page = client.post("/enterprises/new", data=data).get_data(as_text=True)
    assert "越界企业" not in [e.name for e in db.session.scalars(sa.select(Enterprise))]
    assert re.search(r'class="field-error"[^>]*>不是有效的选择。<', page)


def test_enterprise_admin_and_worker_cannot_register_or_list(client, login, world):
    for user in (world.admin_a, world.worker_a):
        login(user)
        assert client.get("/enterprises/").status_code == 403
        assert client.get("/enterprises/new").status_code == 403
    login(world.admin_a)
    assert client.get(f"/enterprises/{world.ent_a.id}").status_code == 200
    assert client.get(f"/enterprises/{world.ent_b.id}").status_code == 404


def test_platform_admin_sees_all(client, login, world):
    login(world.platform_admin)
    page = client.get("/enterprises/").get_data(as_text=True)
    for name in ("玄武化工有限公司", "江宁机械有限公司", "虎丘烟花有限公司"):
        assert name in page
