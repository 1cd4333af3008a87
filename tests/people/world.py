"""A small two-city world shared by the web tests: enterprises, their admins and regulators.

320100 南京市 ─ 320102 玄武区 (enterprise A), 320115 江宁区 (enterprise B)
320500 苏州市 ─ 320505 虎丘区 (enterprise C)
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook

from app.auth.models import User
from app.people.models import Person
from app.tenancy.models import Enterprise
from tests.conftest import fresh_g_per_request  # noqa: F401  (re-exported for the access matrix)
from tests.factories import Factory, make_id_number


@dataclass
class World:
    ent_a: Enterprise
    ent_b: Enterprise
    ent_c: Enterprise
    admin_a: User
    admin_b: User
    admin_c: User
    regulator_nj: User  # 320100: sees A and B
    regulator_sz: User  # 320500: sees C only
    platform_admin: User
    person_a: Person  # employed at A
    worker_a: User  # the login of person_a


def build_world(factory: Factory) -> World:
    nj = factory.jurisdiction("320100", "南京市")
    factory.jurisdiction("320102", "玄武区", parent=nj)
    factory.jurisdiction("320115", "江宁区", parent=nj)
    sz = factory.jurisdiction("320500", "苏州市")
    factory.jurisdiction("320505", "虎丘区", parent=sz)
    ent_a = factory.enterprise(name="玄武化工有限公司", region="320102")
    ent_b = factory.enterprise(name="江宁机械有限公司", region="320115")
    ent_c = factory.enterprise(name="虎丘烟花有限公司", region="320505")
    admin_a = factory.enterprise_admin(ent_a)
    person_a = factory.employ(ent_a, name="王大锤", actor=admin_a).person
    world = World(
        ent_a=ent_a,
        ent_b=ent_b,
        ent_c=ent_c,
        admin_a=admin_a,
        admin_b=factory.enterprise_admin(ent_b),
        admin_c=factory.enterprise_admin(ent_c),
        regulator_nj=factory.regulator("320100"),
        regulator_sz=factory.regulator("320500"),
        platform_admin=factory.admin(),
        person_a=person_a,
        worker_a=factory.worker(person_a),
    )
    factory.commit()
    return world


# ---------------------------------------------------------------- roster files

HEADER = ["姓名", "证件类型", "证件号码", "手机号", "岗位类别", "用工形式", "作业类别", "操作项目", "入职日期"]


def row(
    name: str,
    id_number: str,
    post: str = "其他从业人员",
    *,
    operation: str = "",
    category: str = "",
    phone: str = "",
    id_type: str = "居民身份证",
    employment_type: str = "正式",
    start: str = "2024-03-01",
) -> list:
    return [name, id_type, id_number, phone, post, employment_type, category, operation, start]


def good_rows(count: int = 3, region: str = "320102") -> list[list]:
    names = ["赵一", "钱二", "孙三", "李四", "周五", "吴六", "郑七", "王八"]
    rows = [row(names[i % len(names)], make_id_number(region, date(1980 + i, 1, 2))) for i in range(count)]
    if count >= 2:
        rows[1] = row(rows[1][0], rows[1][2], "特种作业人员", category="1", operation="1.2")
    return rows


def xlsx_bytes(rows: list[list], header: list | None = HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    if header is not None:
        ws.append(header)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_text(rows: list[list], header: list | None = HEADER) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
