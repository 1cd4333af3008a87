"""Paper templates: the form, "检查题量" (availability per section/bucket), "预览样卷", shortages, scope."""

import re

import sqlalchemy as sa

from app.auth.ownership import OwnerScope
from app.bank.models import Bank, PaperTemplate
from app.extensions import db
from question_bank import PaperSpec


def template_form(banks, sections, **overrides):
    data = {
        "name": "测试试卷",
        "time_limit_minutes": "60",
        "pass_mark": "80",
        "multi_policy": "all_or_nothing",
        "shuffle_questions": "y",
        "shuffle_options": "y",
        "allow_review": "y",
        "banks": [str(b) for b in banks],
    }
    for i in range(4):
        section = sections[i] if i < len(sections) else {}
        for field in (
            "title",
            "type",
            "count",
            "points",
            "topics",
            "posts",
            "operations",
            "levels",
            "difficulty",
            "quotas",
        ):
            default = {"type": "single", "count": "0", "points": "1"}.get(field, "")
            data[f"sections-{i}-{field}"] = section.get(field, default)
    data.update(overrides)
    return data


SECTIONS = [
    {"title": "判断题", "type": "true_false", "count": "2", "points": "10"},
    {"title": "单选题", "type": "single", "count": "2", "points": "20", "quotas": "法律法规:1, 安全技术:1"},
    {"title": "多选题", "type": "multiple", "count": "1", "points": "40", "difficulty": "3-5"},
]


def test_check_availability_shows_counts_per_section_and_bucket_without_saving(client, login, bank_world):
    login(bank_world.admin)
    data = template_form([bank_world.national.id], SECTIONS, check="1")
    page = client.post("/bank/templates/new", data=data).get_data(as_text=True)
    table = page.split('data-testid="availability"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>(\d+)</td><td>(\d+)</td>", table)
    assert cells == [
        ("判断题", "—", "2", "2"),
        ("单选题", "—", "2", "2"),
        ("", "topic:安全技术", "1", "1"),
        ("", "topic:法律法规", "1", "1"),
        ("多选题", "—", "1", "2"),
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaperTemplate)) == 0


def test_preview_assembles_a_sample_paper_with_answers_for_the_manager(client, login, bank_world):
    login(bank_world.admin)
    page = client.post("/bank/templates/new", data=template_form([bank_world.national.id], SECTIONS, preview="1"))
    html = page.get_data(as_text=True)
    assert "共 5 题，满分 100 分，及格 80 分" in html
    assert html.count('data-testid="paper-answer"') == 5
    assert "单选题 n" in html and "多选题 n" in html


def test_shortage_names_the_section_and_how_many_are_missing(client, login, bank_world):
    login(bank_world.admin)
    sections = [{"title": "单选题", "type": "single", "count": "5", "points": "20"}]
    html = client.post(
        "/bank/templates/new", data=template_form([bank_world.national.id], sections, preview="1")
    ).get_data(as_text=True)
    shortages = html.split('data-testid="shortages"', 1)[1].split("</div>", 1)[0]
    assert "单选题" in shortages and "需要 5 题，可用 2 题，缺 3 题" in shortages


def test_form_errors_are_reported_per_section(client, login, bank_world):
    login(bank_world.admin)
    sections = [
        {"title": "单选题", "type": "single", "count": "2", "points": "x"},
        {"type": "single", "count": "3", "points": "1", "quotas": "掌握:1"},
        {"type": "single", "count": "3", "points": "1", "quotas": "掌握"},
    ]
    html = client.post(
        "/bank/templates/new", data=template_form([bank_world.national.id], sections, save="1")
    ).get_data(as_text=True)
    assert "第 1 大题：分值应为数字" in html
    assert "第 2 大题：配额合计 1 题，与题数 3 不一致" in html
    assert "第 3 大题：配额“掌握”应写成 名称:题数" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaperTemplate)) == 0


def test_save_and_reload_round_trips_the_spec(client, login, bank_world):
    login(bank_world.admin)
    sections = [
        *SECTIONS,
        {
            "title": "岗位题",
            "type": "true_false",
            "count": "1",
            "points": "0",
            "posts": "主要负责人, safety_manager",
            "operations": "1.2",
            "levels": "掌握",
            "quotas": "掌握:1",
        },
    ]
    response = client.post("/bank/templates/new", data=template_form([bank_world.national.id], sections, save="1"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    template = db.session.scalars(sa.select(PaperTemplate)).one()
    assert template.scope is OwnerScope.NATIONAL and template.bank_ids == [bank_world.national.id]
    spec = template.paper_spec
    assert isinstance(spec, PaperSpec) and spec.total_points == 100 and spec.time_limit_minutes == 60
    assert spec.sections[1].quotas == (("topic:安全技术", 1), ("topic:法律法规", 1))
    assert spec.sections[2].filters.min_difficulty == 3
    assert spec.sections[3].filters.posts == {"principal", "safety_manager"}
    assert spec.sections[3].quotas == (("level:掌握", 1),)
    assert template.allow_review and not template.allow_makeup
    # the edit form shows the same values, and saving them unchanged gives the same spec
    page = client.get(f"/bank/templates/{template.id}").get_data(as_text=True)
    assert 'value="安全技术:1, 法律法规:1"' in page and 'value="3-5"' in page
    client.post(f"/bank/templates/{template.id}", data=template_form([bank_world.national.id], sections, save="1"))
    db.session.expire_all()
    assert db.session.get(PaperTemplate, template.id).paper_spec == spec


def test_template_scope_and_bank_choices(client, login, bank_world):
    login(bank_world.admin_a)
    client.post("/bank/own")
    own_bank = db.session.scalars(sa.select(Bank).where(Bank.enterprise_id == bank_world.ent_a.id)).one()
    response = client.post(
        "/bank/templates/new",
        data=template_form([own_bank.id, bank_world.national.id], SECTIONS[:1], pass_mark="12", save="1"),
    )
    assert response.status_code == 302
    template = db.session.scalars(sa.select(PaperTemplate)).one()
    assert template.scope is OwnerScope.ENTERPRISE and template.enterprise_id == bank_world.ent_a.id

    login(bank_world.admin_b)
    assert client.get(f"/bank/templates/{template.id}").status_code == 404
    assert "测试试卷" not in client.get("/bank/templates/").get_data(as_text=True)
    # a bank the user may not use is not a valid choice
    html = client.post(
        "/bank/templates/new", data=template_form([own_bank.id], SECTIONS[:1], pass_mark="12", save="1")
    ).get_data(as_text=True)
    assert "has-error" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaperTemplate)) == 1


def test_regulator_uses_national_templates_read_only_and_manages_its_regional_ones(client, login, bank_world):
    login(bank_world.admin)
    client.post(
        "/bank/templates/new",
        data=template_form([bank_world.national.id], SECTIONS[:1], pass_mark="12", save="1", name="国家模板"),
    )
    national_template = db.session.scalars(sa.select(PaperTemplate)).one()
    login(bank_world.regulator)
    page = client.get(f"/bank/templates/{national_template.id}").get_data(as_text=True)
    assert 'name="save"' not in page
    data = template_form([bank_world.national.id], SECTIONS[:1], pass_mark="12", name="国家模板")
    assert client.post(f"/bank/templates/{national_template.id}", data={**data, "save": "1"}).status_code == 403
    preview = client.post(f"/bank/templates/{national_template.id}", data={**data, "preview": "1"}).get_data(
        as_text=True
    )
    assert "共 2 题" in preview and 'data-testid="paper-answer"' not in preview
    response = client.post(
        "/bank/templates/new",
        data=template_form([bank_world.national.id], SECTIONS[:1], pass_mark="12", save="1", name="逢查必考"),
    )
    assert response.status_code == 302
    regional = db.session.scalars(sa.select(PaperTemplate).where(PaperTemplate.name == "逢查必考")).one()
    assert regional.scope is OwnerScope.REGIONAL and regional.region_code == "320100"
    assert 'name="save"' in client.get(f"/bank/templates/{regional.id}").get_data(as_text=True)


def test_sample_paper_numbers_questions_not_headings_and_sorts_multi_answers(client, login, bank_world):
    """Issue #15: "1. 一、单选题" and "CDA". Headings sit outside the numbered list; numbering runs on across
    sections; a multiple-choice answer lists its letters in order (shuffled options, so several papers)."""
    login(bank_world.admin)
    for _ in range(8):
        html = client.post(
            "/bank/templates/new", data=template_form([bank_world.national.id], SECTIONS, preview="1")
        ).get_data(as_text=True)
        paper = html.split('data-testid="paper"', 1)[1]
        assert re.findall(r'<h3 data-testid="paper-section">([^<]+)</h3>\s*<ol start="(\d+)">', paper) == [
            ("判断题", "1"),
            ("单选题", "3"),
            ("多选题", "5"),
        ]
        assert not re.search(r"<li[^>]*>\s*<h3", paper)
        multi = paper.split("多选题</h3>", 1)[1]
        options = re.findall(r"<li>([甲乙丙丁])</li>", multi)
        answer = re.search(r'data-testid="paper-answer">[^<]*?([A-D]+)</div>', multi).group(1)
        expected = "".join(sorted("ABCD"[options.index(o)] for o in ("甲", "丙")))
        assert answer == expected, (options, answer)
