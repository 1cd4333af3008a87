"""A small world for the bank pages: a national bank, two enterprises, an institution, a regulator, the admin."""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.auth.models import Role, User
from app.auth.ownership import OwnerScope
from app.bank import services
from app.bank.models import Bank, BankQuestion
from app.extensions import db
from app.tenancy.models import Enterprise
from question_bank import Question, QuestionType, Tags, write_questions


@dataclass
class BankWorld:
    national: Bank
    ent_a: Enterprise
    ent_b: Enterprise
    admin: User
    admin_a: User
    admin_b: User
    regulator: User
    institution: User


def make_questions(count: int = 6, prefix: str = "q") -> list[Question]:
    """Questions of every choice type, tagged for the template tests."""
    out = []
    for i in range(count):
        kind = i % 3
        tags = Tags(
            post={"principal"} if i % 2 else {"special_operator"},
            operation={"1.2"} if i % 2 == 0 else (),
            topic="法律法规" if i % 2 else "安全技术",
            level="掌握",
        )
        if kind == 0:
            q = Question(
                key=f"{prefix}{i:03d}", type=QuestionType.TRUE_FALSE, stem=f"判断题 {prefix}{i}", answer=(0,), tags=tags
            )
        elif kind == 1:
            q = Question(
                key=f"{prefix}{i:03d}",
                type=QuestionType.SINGLE,
                stem=f"单选题 {prefix}{i}",
                options=("甲", "乙", "丙", "丁"),
                answer=(1,),
                tags=tags,
                difficulty=2,
            )
        else:
            q = Question(
                key=f"{prefix}{i:03d}",
                type=QuestionType.MULTIPLE,
                stem=f"多选题 {prefix}{i}",
                options=("甲", "乙", "丙", "丁"),
                answer=(0, 2),
                tags=tags,
                difficulty=4,
            )
        out.append(q)
    return out


@pytest.fixture
def bank_world(factory) -> BankWorld:
    nj = factory.jurisdiction("320100", "南京市")
    factory.jurisdiction("320102", "玄武区", parent=nj)
    ent_a = factory.enterprise(name="玄武化工有限公司", region="320102")
    ent_b = factory.enterprise(name="江宁机械有限公司", region="320102")
    institution = factory.institution("320102")
    national = services.create_bank("国家题库", scope=OwnerScope.NATIONAL)
    services.import_questions(national, make_questions(6, "n"), actor_id=None)
    world = BankWorld(
        national=national,
        ent_a=ent_a,
        ent_b=ent_b,
        admin=factory.admin(),
        admin_a=factory.enterprise_admin(ent_a),
        admin_b=factory.enterprise_admin(ent_b),
        regulator=factory.regulator("320100"),
        institution=factory.user(Role.INSTITUTION, institution_id=institution.id),
    )
    factory.commit()
    return world


def upload(client, bank_id: int, data: bytes, filename: str):
    """Upload a file; returns the preview page response (followed)."""
    response = client.post(
        f"/bank/{bank_id}/import", data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    deadline = time.monotonic() + 60
    while True:  # a large file is parsed by a task: the page refreshes itself until it is done, as here
        page = client.get(response.location)
        if 'data-testid="import-parsing"' not in page.get_data(as_text=True) or time.monotonic() > deadline:
            return page
        time.sleep(0.2)


def preview_url(page) -> str:
    return page.request.path


def confirm(client, url: str, mode: str = "all"):
    return client.post(url, data={"mode": mode})


def wait_finished(client, url: str, timeout: float = 60) -> dict:
    """Poll the status JSON until the import is done (eager Celery: at once; a real worker: a few seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(url + "/status").get_json()
        if status["finished"] or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def error_rows(page_html: str) -> list[tuple[str, str]]:
    """(row number, message) of the preview's error table."""
    if 'data-testid="import-errors"' not in page_html:
        return []
    table = page_html.split('data-testid="import-errors"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>([^<]*)</td><td>[^<]*</td><td>([^<]*)</td></tr>", table)


def stored(bank_id: int, *, current_only: bool = True) -> list[BankQuestion]:
    query = sa.select(BankQuestion).where(BankQuestion.bank_id == bank_id)
    if current_only:
        query = query.where(BankQuestion.current.is_(True))
    db.session.expire_all()
    return db.session.scalars(query.order_by(BankQuestion.key, BankQuestion.version)).all()


def file_of(questions, fmt: str) -> tuple[bytes, str]:
    ext = {"xlsx": "xlsx", "json": "json", "moodle": "xml", "gift": "gift"}[fmt]
    return write_questions(questions, fmt), f"questions.{ext}"
