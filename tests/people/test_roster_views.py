"""花名册 pages as an enterprise admin, a regulator and the worker see them."""

import html
import re
from datetime import date

import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.extensions import db
from app.people.models import Employment, Person, Post
from tests.factories import make_id_number


def person_form(name="陈小明", id_number=None, post="worker", operation_code="", **extra):
    data = {
        "name": name,
        "id_type": "resident_id",
        "id_number": id_number or make_id_number("320102", date(1990, 2, 3)),
        "phone": "13912345678",
        "education": "高中",
        "post": post,
        "employment_type": "regular",
        "operation_code": operation_code,
        "job_title": "操作工",
        "start_date": "2024-05-06",
    }
    data.update(extra)
    return data


def events_of(person_id, kind=None):
    query = sa.select(ArchiveEvent).where(ArchiveEvent.person_id == person_id).order_by(ArchiveEvent.seq)
    if kind:
        query = query.where(ArchiveEvent.kind == kind)
    return db.session.scalars(query).all()


def roster_names(page_html: str) -> list[str]:
    table = page_html.split('data-testid="roster"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/people/\d+">([^<]+)</a>', table)


def test_enterprise_admin_adds_person_and_sees_masked_id_on_roster(client, login, world):
    login(world.admin_a)
    number = make_id_number("320102", date(1990, 2, 3))
    response = client.post("/people/new", data=person_form(id_number=number))
    assert response.status_code == 302
    page = client.get(response.location, follow_redirects=True).get_data(as_text=True)
    assert "已将 陈小明 加入花名册。" in page
    roster = client.get("/people/").get_data(as_text=True)
    assert "陈小明" in roster_names(roster)
    masked = number[:4] + "*" * 10 + number[-4:]
    assert masked in roster
    assert number not in roster
    person = db.session.scalars(sa.select(Person).where(Person.name == "陈小明")).one()
    assert person.id_number == number and person.sex == ("M" if int(number[16]) % 2 else "F")
    assert person.birth_date == date(1990, 2, 3)
    assert [e.kind for e in events_of(person.id)] == ["person.registered", "employment.started"]


def test_person_page_full_id_for_regulator_admin_and_self_masked_for_employer(client, login, world):
    number = world.person_a.id_number
    url = f"/people/{world.person_a.id}"
    for user, full in [
        (world.admin_a, False),
        (world.regulator_nj, True),
        (world.platform_admin, True),
        (world.worker_a, True),
    ]:
        login(user)
        page = client.get(url).get_data(as_text=True)
        assert "王大锤" in page, user
        assert (number in page) is full, user
        assert world.person_a.id_masked in page or full


def test_worker_me_redirects_to_own_file(client, login, world):
    login(world.worker_a)
    response = client.get("/me")
    assert response.status_code == 302 and response.location.endswith(f"/people/{world.person_a.id}")
    other = world.ent_b and db.session.scalars(sa.select(Person).where(Person.id != world.person_a.id)).first()
    assert other is None  # nobody else exists yet; a worker cannot list anything
    assert client.get("/people/").status_code == 403


def test_search_by_name_and_by_full_id_number(client, login, world, factory):
    number = make_id_number("110105", date(1975, 7, 7))
    factory.employ(world.ent_a, name="欧阳修", id_number=number)
    factory.employ(world.ent_a, name="欧阳锋")
    factory.employ(world.ent_a, name="苏轼")
    factory.commit()
    login(world.admin_a)
    assert sorted(roster_names(client.get("/people/?q=欧阳").get_data(as_text=True))) == ["欧阳修", "欧阳锋"]
    assert roster_names(client.get(f"/people/?q={number}").get_data(as_text=True)) == ["欧阳修"]
    # a number nobody has: no match, not an error
    other = make_id_number("110105", date(1975, 7, 8))
    page = client.get(f"/people/?q={other}").get_data(as_text=True)
    assert roster_names(page) == [] and "没有符合条件的人员" in page
    # the masked form is not a search key
    assert roster_names(client.get(f"/people/?q={number[:4]}**********{number[-4:]}").get_data(as_text=True)) == []


def test_name_search_treats_wildcards_literally(client, login, world, factory):
    factory.employ(world.ent_a, name="李白")
    factory.commit()
    login(world.admin_a)
    assert roster_names(client.get("/people/?q=%25").get_data(as_text=True)) == []
    assert roster_names(client.get("/people/?q=_").get_data(as_text=True)) == []
    assert roster_names(client.get("/people/?q=李").get_data(as_text=True)) == ["李白"]


def test_search_by_id_with_lower_case_x(client, login, world, factory):
    body = "32010219880808001"
    from app.people.identifiers import ric_check_char

    # find a sequence number whose check char is X
    for seq in range(1, 999):
        body = f"32010219880808{seq:03d}"
        if ric_check_char(body) == "X":
            break
    factory.employ(world.ent_a, name="韩梅梅", id_number=body + "X")
    factory.commit()
    login(world.admin_a)
    assert roster_names(client.get(f"/people/?q={body}x").get_data(as_text=True)) == ["韩梅梅"]


def test_search_by_full_number_of_hmt_residence_permit(client, login, world):
    from app.people.identifiers import ric_check_char

    body = "81000019900101003"
    number = body + ric_check_char(body)
    login(world.admin_a)
    data = person_form(name="陈港生", id_number=number, id_type="hmt_residence_permit")
    assert client.post("/people/new", data=data).status_code == 302
    assert roster_names(client.get(f"/people/?q={number}").get_data(as_text=True)) == ["陈港生"]


def test_paging(client, login, world, factory):
    for i in range(60):
        factory.employ(world.ent_a, name=f"员工{chr(0x4E00 + i)}")
    factory.commit()
    login(world.admin_a)
    first = client.get("/people/").get_data(as_text=True)
    second = client.get("/people/?page=2").get_data(as_text=True)
    assert len(roster_names(first)) == 50
    assert len(roster_names(second)) == 11  # 61 in all with the world's 王大锤
    assert not set(roster_names(first)) & set(roster_names(second))
    assert "第 2 / 2 页，共 61 条" in second
    assert "page=2" in first


def test_post_filter(client, login, world, factory):
    factory.employ(world.ent_a, name="张电工", post=Post.SPECIAL_OPERATOR, operation_code="1.2")
    factory.employ(world.ent_a, name="刘安全", post=Post.SAFETY_MANAGER)
    factory.commit()
    login(world.admin_a)
    assert roster_names(client.get("/people/?post=special_operator").get_data(as_text=True)) == ["张电工"]
    assert roster_names(client.get("/people/?post=safety_manager").get_data(as_text=True)) == ["刘安全"]
    assert len(roster_names(client.get("/people/?post=bogus").get_data(as_text=True))) == 3


def test_enterprise_admin_sees_only_own_roster(client, login, world, factory):
    factory.employ(world.ent_b, name="江宁人")
    factory.commit()
    login(world.admin_a)
    assert roster_names(client.get("/people/").get_data(as_text=True)) == ["王大锤"]
    login(world.admin_b)
    assert roster_names(client.get("/people/").get_data(as_text=True)) == ["江宁人"]
    assert client.get(f"/people/?enterprise={world.ent_a.id}").status_code == 404


def test_edit_employment_records_changes(client, login, world):
    employment = world.person_a.employments[0]
    login(world.admin_a)
    form = client.get(f"/employments/{employment.id}/edit").get_data(as_text=True)
    assert 'value="王大锤"' in form
    data = {
        "name": "王大锤",
        "phone": "13700000001",
        "education": "大专",
        "post": "special_operator",
        "employment_type": "dispatched",
        "operation_code": "2.1",
        "job_title": "焊工",
    }
    response = client.post(f"/employments/{employment.id}/edit", data=data)
    assert response.status_code == 302
    assert "已保存。" in client.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    employment = db.session.get(Employment, employment.id)
    assert (employment.post, employment.operation_code, employment.job_title) == (Post.SPECIAL_OPERATOR, "2.1", "焊工")
    [updated] = events_of(world.person_a.id, "employment.updated")
    changes = __import__("json").loads(updated.payload)["changes"]
    assert changes["post"] == ["worker", "special_operator"]
    assert changes["operation"] == [None, "2.1"]
    assert changes["phone"] == ["", "13700000001"]
    assert "name" not in changes  # unchanged fields are not listed
    assert updated.enterprise_id == world.ent_a.id and updated.actor_id == world.admin_a.id


def test_edit_without_changes_records_nothing(client, login, world):
    employment = world.person_a.employments[0]
    login(world.admin_a)
    data = {
        "name": "王大锤",
        "phone": "",
        "education": "",
        "post": "worker",
        "employment_type": "regular",
        "operation_code": "",
        "job_title": "",
    }
    assert client.post(f"/employments/{employment.id}/edit", data=data).status_code == 302
    assert events_of(world.person_a.id, "employment.updated") == []


def test_end_employment(client, login, world):
    employment = world.person_a.employments[0]
    login(world.admin_a)
    response = client.post(f"/employments/{employment.id}/end", data={"end_date": "2025-01-31", "reason": "合同到期"})
    assert response.status_code == 302
    assert "王大锤 的任职已结束。" in client.get(response.location).get_data(as_text=True)
    assert roster_names(client.get("/people/").get_data(as_text=True)) == []
    assert roster_names(client.get("/people/?status=ended").get_data(as_text=True)) == ["王大锤"]
    [ended] = events_of(world.person_a.id, "employment.ended")
    assert '"reason":"合同到期"' in ended.payload and '"end_date":"2025-01-31"' in ended.payload
    # the former employer still sees the file, but can no longer edit or end the job
    page = client.get(f"/people/{world.person_a.id}").get_data(as_text=True)
    assert "合同到期" in page and f"/employments/{employment.id}/edit" not in page
    assert client.get(f"/employments/{employment.id}/edit").status_code == 403
    again = client.post(f"/employments/{employment.id}/end", data={"end_date": "2025-02-01"})
    assert "该任职已经结束" in again.get_data(as_text=True)
    assert len(events_of(world.person_a.id, "employment.ended")) == 1


def test_end_date_before_start_refused(client, login, world):
    employment = world.person_a.employments[0]
    login(world.admin_a)
    page = client.post(f"/employments/{employment.id}/end", data={"end_date": "2020-01-01"}).get_data(as_text=True)
    assert "离职日期不能早于入职日期 2024-01-01" in page
    assert events_of(world.person_a.id, "employment.ended") == []


def test_person_employed_elsewhere_is_recognised_by_id(client, login, world):
    number = world.person_a.id_number
    login(world.admin_b)
    response = client.post("/people/new", data=person_form(name="王大锤", id_number=number, post="safety_manager"))
    assert response.status_code == 302
    assert response.location.endswith(f"/people/{world.person_a.id}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1
    employments = db.session.scalars(sa.select(Employment).where(Employment.person_id == world.person_a.id)).all()
    assert {e.enterprise_id for e in employments} == {world.ent_a.id, world.ent_b.id}
    # B sees its own job and neutral events, never A's employment events
    page = client.get(f"/people/{world.person_a.id}").get_data(as_text=True)
    assert "江宁机械有限公司" in page and "玄武化工有限公司" not in page
    timeline = client.get(f"/people/{world.person_a.id}/timeline").get_data(as_text=True)
    assert "江宁机械有限公司" in timeline and "玄武化工有限公司" not in timeline
    assert world.admin_a.username not in timeline  # nor who at A registered them
    exported = client.get(f"/people/{world.person_a.id}/timeline.json").get_json()
    assert [e["kind"] for e in exported["events"]] == ["employment.started"]
    assert exported["events"][0]["payload"]["enterprise"] == "江宁机械有限公司"
    # and A does not see B's
    login(world.admin_a)
    page = client.get(f"/people/{world.person_a.id}").get_data(as_text=True)
    assert "玄武化工有限公司" in page and "江宁机械有限公司" not in page
    # the regulator of both sees both
    login(world.regulator_nj)
    page = client.get(f"/people/{world.person_a.id}").get_data(as_text=True)
    assert "玄武化工有限公司" in page and "江宁机械有限公司" in page


def test_adding_someone_already_on_this_roster_is_refused(client, login, world):
    login(world.admin_a)
    page = client.post("/people/new", data=person_form(name="王大锤", id_number=world.person_a.id_number))
    assert page.status_code == 200
    assert "王大锤 已在本单位花名册中" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Employment)) == 1


def test_special_operator_needs_operation(client, login, world):
    login(world.admin_a)
    page = client.post("/people/new", data=person_form(post="special_operator", operation_code="")).get_data(
        as_text=True
    )
    assert re.search(r'class="field-error"[^>]*>特种作业人员必须填写操作项目<', page)
    page = client.post("/people/new", data=person_form(post="special_operator", operation_code="99.9")).get_data(
        as_text=True
    )
    assert "操作项目代码 99.9 不在特种作业目录中" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1
    ok = client.post("/people/new", data=person_form(post="special_operator", operation_code="11"))
    assert ok.status_code == 302  # 11 has no items: the category itself is the operation


def test_bad_id_number_is_a_field_error(client, login, world):
    login(world.admin_a)
    number = make_id_number("320102", date(1990, 2, 3))
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    page = client.post("/people/new", data=person_form(id_number=bad)).get_data(as_text=True)
    assert f"证件号码 {bad} 校验位错误" in page
    page = client.post("/people/new", data=person_form(id_number=number[:15])).get_data(as_text=True)
    assert "应为 18 位" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1


def test_name_with_markup_refused_and_escaped(client, login, world):
    login(world.admin_a)
    page = client.post("/people/new", data=person_form(name="<script>alert(1)</script>")).get_data(as_text=True)
    assert "姓名只能包含汉字、字母和间隔号" in page
    assert "<script>alert(1)</script>" not in page
    assert html.escape("<script>alert(1)</script>", quote=True) in page or "&lt;script&gt;" in page


def test_regulator_sees_roster_of_jurisdiction_read_only(client, login, world, factory):
    factory.employ(world.ent_b, name="江宁人")
    factory.employ(world.ent_c, name="苏州人")
    factory.commit()
    login(world.regulator_nj)
    page = client.get("/people/").get_data(as_text=True)
    assert sorted(roster_names(page)) == ["江宁人", "王大锤"]
    assert "新增人员" not in page
    assert client.get("/people/new").status_code == 403
    page = client.get(f"/people/?enterprise={world.ent_b.id}").get_data(as_text=True)
    assert roster_names(page) == ["江宁人"]
    assert client.get(f"/people/?enterprise={world.ent_c.id}").status_code == 404


def test_platform_admin_adds_to_a_chosen_enterprise(client, login, world):
    login(world.platform_admin)
    assert client.get("/people/new").status_code == 404  # no enterprise chosen
    response = client.post(f"/people/new?enterprise={world.ent_b.id}", data=person_form(name="管理员加的"))
    assert response.status_code == 302
    person = db.session.scalars(sa.select(Person).where(Person.name == "管理员加的")).one()
    assert [e.enterprise_id for e in person.employments] == [world.ent_b.id]
