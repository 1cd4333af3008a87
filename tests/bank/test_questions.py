"""Bank page (filters, counts, answers only for managers), editing as a new version, retiring, scope."""

import pytest

from app.auth.ownership import OwnerScope
from app.bank import services
from app.bank.queries import question_index
from app.extensions import db
from question_bank import Question, QuestionType, Tags
from tests.bank.conftest import make_questions, stored


def _row(bank_id, key):
    return next(r for r in stored(bank_id) if r.key == key)


def edit_form(**overrides):
    data = {
        "stem": "新的题干",
        "options": "甲\n乙\n丙",
        "answer": "B",
        "explanation": "解析",
        "topic": "法律法规",
        "level": "掌握",
        "posts": ["principal"],
        "operations": "1.2",
        "industries": "",
        "extra": "",
        "difficulty": "2",
        "source": "",
    }
    data.update(overrides)
    return data


def test_edit_creates_version_2_and_the_index_follows(client, login, bank_world):
    login(bank_world.admin)
    bank = bank_world.national
    row = _row(bank.id, "n001")  # single choice
    index_before = question_index([bank.id])
    assert any(q.stem == "单选题 n1" for q in index_before.questions)
    response = client.post(f"/bank/{bank.id}/questions/{row.id}/edit", data=edit_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    versions = [r for r in stored(bank.id, current_only=False) if r.key == "n001"]
    assert [(v.version, v.current, v.stem) for v in versions] == [(1, False, "单选题 n1"), (2, True, "新的题干")]
    assert versions[1].options == ["甲", "乙", "丙"] and versions[1].answer == [1]
    index_after = question_index([bank.id])
    assert index_after is not index_before
    edited = next(q for q in index_after.questions if q.key == f"{bank.id}:n001")
    assert edited.stem == "新的题干" and edited.version == 2
    page = client.get(f"/bank/{bank.id}/questions/{versions[0].id}/edit", follow_redirects=True).get_data(as_text=True)
    assert "v2" in page and "v1" in page  # the history lists both


def test_edit_reports_validation_problems_and_stores_nothing(client, login, bank_world):
    login(bank_world.admin)
    bank = bank_world.national
    row = _row(bank.id, "n002")  # multiple choice
    page = client.post(f"/bank/{bank.id}/questions/{row.id}/edit", data=edit_form(answer="A")).get_data(as_text=True)
    assert "多选题应有≥2个正确答案" in page and "第?行" not in page
    page = client.post(f"/bank/{bank.id}/questions/{row.id}/edit", data=edit_form(answer="AZ")).get_data(as_text=True)
    assert "答案应为选项字母" in page
    assert [r.version for r in stored(bank.id, current_only=False) if r.key == "n002"] == [1]


def test_edit_true_false_and_unchanged_edit(client, login, bank_world):
    login(bank_world.admin)
    bank = bank_world.national
    row = _row(bank.id, "n000")
    form = client.get(f"/bank/{bank.id}/questions/{row.id}/edit").get_data(as_text=True)
    assert 'value="正确"' in form
    data = edit_form(
        stem=row.stem,
        options="",
        answer="正确",
        explanation="",
        topic="安全技术",
        posts=["special_operator"],
        level="掌握",
        difficulty="3",
    )
    response = client.post(f"/bank/{bank.id}/questions/{row.id}/edit", data=data, follow_redirects=True)
    assert "内容没有变化" in response.get_data(as_text=True)
    client.post(f"/bank/{bank.id}/questions/{row.id}/edit", data={**data, "answer": "错误"})
    assert _row(bank.id, "n000").answer == [1] and _row(bank.id, "n000").version == 2


def test_retire_removes_from_index_and_restore_brings_back(client, login, bank_world):
    login(bank_world.admin)
    bank = bank_world.national
    row = _row(bank.id, "n003")
    client.post(f"/bank/{bank.id}/questions/{row.id}/retire", data={"retire": "1"})
    assert f"{bank.id}:n003" not in {q.key for q in question_index([bank.id]).questions}
    assert "判断题 n3" not in client.get(f"/bank/{bank.id}").get_data(as_text=True)
    assert "判断题 n3" in client.get(f"/bank/{bank.id}?status=retired").get_data(as_text=True)
    client.post(f"/bank/{bank.id}/questions/{row.id}/retire", data={"retire": "0"})
    assert f"{bank.id}:n003" in {q.key for q in question_index([bank.id]).questions}


def test_filters_and_tag_counts(client, login, bank_world):
    login(bank_world.admin)
    bank = bank_world.national
    page = client.get(f"/bank/{bank.id}").get_data(as_text=True)
    counts = page.split('data-testid="tag-counts"', 1)[1].split("<form", 1)[0]
    assert "法律法规</a>：3" in counts and "安全技术</a>：3" in counts and "主要负责人：3" in counts

    def keys(query):
        html = client.get(f"/bank/{bank.id}?{query}").get_data(as_text=True)
        table = html.split('data-testid="questions"', 1)[1].split("</table>", 1)[0]
        return sorted(k for k in ("n000", "n001", "n002", "n003", "n004", "n005") if f"<td>{k}</td>" in table)

    assert keys("type=single") == ["n001", "n004"]
    assert keys("post=principal") == ["n001", "n003", "n005"]
    assert keys("topic=安全技术") == ["n000", "n002", "n004"]
    assert keys("difficulty=4") == ["n002", "n005"]
    assert keys("level=了解") == []
    assert keys("q=单选题") == ["n001", "n004"]
    assert keys("q=n005") == ["n005"]
    # 作业类别 / 操作项目: n000, n002, n004 are tagged 1.2 (低压电工作业)
    assert keys("operation=1.2") == ["n000", "n002", "n004"]
    assert keys("operation=1") == ["n000", "n002", "n004"]  # the 作业类别 covers its 操作项目
    assert keys("operation=1.1") == [] and keys("operation=11") == []
    assert keys("operation=1%25") == keys("") and "1.2 " in client.get(f"/bank/{bank.id}").get_data(as_text=True)


def test_operation_filter_finds_category_wide_questions(client, login, bank_world):
    """A question tagged with the whole 作业类别 "1" serves a "1.2" paper, so the "1.2" filter lists it too."""
    bank = bank_world.national
    services.import_questions(
        bank,
        [
            Question(
                key="n900", type=QuestionType.TRUE_FALSE, stem="电工作业通用题", answer=(0,), tags=Tags(operation={"1"})
            )
        ],
        actor_id=None,
    )
    db.session.commit()
    login(bank_world.admin)
    table = client.get(f"/bank/{bank.id}?operation=1.2").get_data(as_text=True).split('data-testid="questions"', 1)[1]
    assert "<td>n900</td>" in table and "<td>n000</td>" in table and "<td>n001</td>" not in table


# ---------------------------------------------------------------- scope


def test_enterprise_bank_is_private_to_its_enterprise(client, login, bank_world):
    login(bank_world.admin_a)
    index = client.get("/bank/").get_data(as_text=True)
    assert "建立本单位题库" in index and "国家题库" in index
    response = client.post("/bank/own")
    bank_a_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    assert client.post("/bank/own").location == response.location  # idempotent
    services.import_questions(db.session.get(services.Bank, bank_a_id), make_questions(3, "a"), actor_id=None)
    db.session.commit()
    row_a = _row(bank_a_id, "a000")
    assert "判断题 a0" in client.get(f"/bank/{bank_a_id}").get_data(as_text=True)

    for user in (bank_world.admin_b, bank_world.regulator, bank_world.admin, bank_world.institution):
        login(user)
        assert "玄武化工有限公司自建题库" not in client.get("/bank/").get_data(as_text=True), user
        assert client.get(f"/bank/{bank_a_id}").status_code == 404, user
        assert client.get(f"/bank/{bank_a_id}/questions/{row_a.id}/edit").status_code == 404, user
        assert client.post(f"/bank/{bank_a_id}/questions/{row_a.id}/retire").status_code == 404, user
        assert client.get(f"/bank/{bank_a_id}/export/json").status_code == 404, user
    # a question id of another bank is not reachable through a bank the user may use
    login(bank_world.admin_b)
    assert client.get(f"/bank/{bank_world.national.id}/questions/{row_a.id}/edit").status_code == 403


def test_read_only_users_see_stems_but_not_answers_and_cannot_manage(client, login, bank_world):
    bank = bank_world.national
    row = _row(bank.id, "n001")
    for user in (bank_world.regulator, bank_world.admin_a, bank_world.institution):
        login(user)
        page = client.get(f"/bank/{bank.id}").get_data(as_text=True)
        assert "单选题 n1" in page and 'data-testid="answer"' not in page, user
        assert client.get(f"/bank/{bank.id}/import").status_code == 403
        assert client.get(f"/bank/{bank.id}/export/xlsx").status_code == 403
        assert client.get(f"/bank/{bank.id}/questions/{row.id}/edit").status_code == 403
        assert client.post(f"/bank/{bank.id}/questions/{row.id}/retire").status_code == 403
    login(bank_world.admin)
    assert 'data-testid="answer"' in client.get(f"/bank/{bank.id}").get_data(as_text=True)


def test_regional_bank_visible_in_its_area_only(client, login, bank_world, factory):
    sz_enterprise = factory.enterprise(name="苏州企业", region="320505")
    sz_admin = factory.enterprise_admin(sz_enterprise)
    province, suzhou = factory.regulator("320000"), factory.regulator("320500")
    factory.commit()
    login(bank_world.admin)
    response = client.post("/bank/new", data={"name": "南京市地方题库", "scope": "regional", "region": "320100"})
    bank_id = int(response.location.rsplit("/", 1)[1])
    assert db.session.get(services.Bank, bank_id).scope is OwnerScope.REGIONAL
    assert db.session.get(services.Bank, bank_id).region_code == "320100"
    for user, visible in (
        (bank_world.admin_a, True),
        (bank_world.regulator, True),
        (province, True),
        (sz_admin, False),
        (suzhou, False),
    ):
        login(user)
        assert (client.get(f"/bank/{bank_id}").status_code == 200) is visible, user
    login(bank_world.regulator)
    assert client.get(f"/bank/{bank_id}/import").status_code == 403


@pytest.mark.parametrize("path", ["/bank/", "/bank/templates/"])
def test_workers_have_no_bank_pages(client, login, factory, path):
    enterprise = factory.enterprise()
    person = factory.employ(enterprise).person
    worker = factory.worker(person)
    factory.commit()
    login(worker)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\\evil.example", "//evil.example", "https://evil.example"])
def test_retiring_a_question_never_redirects_off_site(client, login, bank_world, target):
    login(bank_world.admin)
    bank = bank_world.national
    row = _row(bank.id, "n003")
    response = client.post(f"/bank/{bank.id}/questions/{row.id}/retire", data={"retire": "1", "next": target})
    assert response.status_code == 302 and response.location == f"/bank/{bank.id}"
