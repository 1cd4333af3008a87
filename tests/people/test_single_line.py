"""Single-line text (names, titles, addresses …) refuses control characters: a CR/LF in a name would break the
subject line of a reminder e-mail. One check (app.core.forms) serves every form field and the roster import."""

from __future__ import annotations

import inspect
import sys

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import StringField

from app.core.forms import LineField, control_character
from app.extensions import db
from app.people.forms import EnterpriseForm, PersonForm
from app.people.models import Person
from tests.people.test_roster_import import upload
from tests.people.world import csv_text, good_rows, xlsx_bytes


@pytest.mark.parametrize(
    "text", ["张三\r\nBcc: x@example.com", "张三\n", "张\t三", "张三\x00", "张三\x1b[0m", "张三\x85"]
)
def test_control_characters_are_found(text):
    assert control_character(text) is not None


@pytest.mark.parametrize("text", ["张三", "阿卜杜拉·艾力", "John Smith", "南京 玄武区（东）", ""])
def test_ordinary_text_passes(text):
    assert control_character(text) is None


def person_form(name: str) -> PersonForm:
    data = {"name": name, "id_type": "resident_id", "id_number": "x", "post": "worker", "start_date": "2024-03-01"}
    form = PersonForm(formdata=MultiDict(data), meta={"csrf": False})
    form.operation_code.choices = []
    return form


def test_person_name_with_a_line_break_is_refused_naming_the_field(app):
    with app.test_request_context():
        form = person_form("张三\r\nBcc: victim@example.com")
        assert not form.validate()
        assert "姓名不能包含换行、制表符等控制字符。" in form.name.errors
        form = person_form("张三")
        form.validate()
        assert not form.name.errors


def test_enterprise_name_and_address_refuse_tabs(app):
    with app.test_request_context():
        form = EnterpriseForm(formdata=MultiDict({"name": "玄武\t化工", "address": "南京\n玄武"}), meta={"csrf": False})
        form.validate()
        assert "单位名称不能包含换行、制表符等控制字符。" in form.name.errors
        assert "地址不能包含换行、制表符等控制字符。" in form.address.errors


def test_every_text_input_of_every_form_is_a_single_line_field(app):
    """No form declares a plain StringField: each one-line input goes through the same check. (The forms are the
    ones the app loaded; importing every module would also run entry points such as the Celery worker's.)"""
    plain, lines = [], 0
    for name, module in sorted(sys.modules.items()):
        if not name.startswith("app.") or module is None:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, FlaskForm) or cls.__module__ != name:
                continue
            for field_name, field in vars(cls).items():
                kind = getattr(field, "field_class", None)
                plain += [f"{name}.{cls.__name__}.{field_name}"] if kind is StringField else []
                lines += kind is LineField
    assert plain == [] and lines > 50


@pytest.fixture
def admin_a(client, login, world):
    login(world.admin_a)
    return world.admin_a


def test_an_imported_name_with_a_line_break_is_refused_naming_the_column(client, admin_a):
    rows = good_rows(2)
    rows[0][0] = "赵一\r\n抄送"
    page, _ = upload(client, xlsx_bytes(rows), "r.xlsx")
    assert "第 2 行「姓名」：不能包含换行、制表符等控制字符" in page
    assert "全部 2 行校验通过" not in page


def test_an_imported_job_title_with_a_control_character_is_refused(client, admin_a):
    header = ["姓名", "证件类型", "证件号码", "手机号", "岗位类别", "岗位名称"]
    rows = [[*good_rows(1)[0][:5], "电工\x07"]]
    page, _ = upload(client, csv_text(rows, header).encode(), "r.csv")
    assert "第 2 行「岗位名称」：不能包含换行、制表符等控制字符" in page
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(Person).where(Person.name == rows[0][0]))
