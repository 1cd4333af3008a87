"""Exam fixtures: a small bank and template made directly from ``question_bank`` values, and an open sitting.

The paper: 10 判断 × 3 + 8 单选 × 5 + 4 多选 × 5 + 2 填空 × 5 = 100 points, pass mark 80. Explanations and 填空
answers carry markers (``EXPLAIN-`` / ``FILLANS-``) that must never reach the browser before grading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from app.auth.models import User
from app.auth.ownership import OwnerScope
from app.bank.models import Bank, BankQuestion, PaperTemplate
from app.core.db import utcnow
from app.exams import sittings
from app.exams.attempts import autosave
from app.exams.models import Attempt, ExamKind, Sitting
from app.extensions import db
from app.people.models import Person
from app.tenancy.models import Enterprise
from question_bank import PaperSpec, Question, QuestionType, Section
from tests.exams.practical_world import practical_world  # noqa: F401  (the 实操 fixture)

SPEC = PaperSpec(
    title="安全生产知识考试",
    sections=(
        Section("判断题", QuestionType.TRUE_FALSE, 10, 3.0),
        Section("单选题", QuestionType.SINGLE, 8, 5.0),
        Section("多选题", QuestionType.MULTIPLE, 4, 5.0),
        Section("填空题", QuestionType.FILL, 2, 5.0),
    ),
    time_limit_minutes=60,
    pass_mark=80,
)


def bank_questions() -> list[Question]:
    """60 questions: 26 判断, 20 单选, 10 多选, 4 填空."""
    out = []
    for i in range(26):
        out.append(
            Question(
                key=f"TF{i:02d}",
                type=QuestionType.TRUE_FALSE,
                stem=f"判断题{i}：作业前应检查安全防护用品。",
                answer=(i % 2,),
                explanation=f"EXPLAIN-TF{i:02d}",
            )
        )
    for i in range(20):
        out.append(
            Question(
                key=f"SC{i:02d}",
                type=QuestionType.SINGLE,
                stem=f"单选题{i}：<b>下列</b>哪项正确？",
                options=tuple(f"单选{i}选项{k}" for k in range(4)),
                answer=(i % 4,),
                explanation=f"EXPLAIN-SC{i:02d}",
            )
        )
    for i in range(10):
        out.append(
            Question(
                key=f"MC{i:02d}",
                type=QuestionType.MULTIPLE,
                stem=f"多选题{i}：下列哪些属于个人防护用品？",
                options=tuple(f"多选{i}选项{k}" for k in range(5)),
                answer=(0, 2 + i % 3),
                explanation=f"EXPLAIN-MC{i:02d}",
            )
        )
    for i in range(4):
        out.append(
            Question(
                key=f"FB{i:02d}",
                type=QuestionType.FILL,
                stem=f"填空题{i}：安全生产方针是安全第一、____为主。",
                fill_answers=(f"FILLANS-{i}",),
                explanation=f"EXPLAIN-FB{i:02d}",
            )
        )
    return out


def make_template(*, allow_makeup: bool = True, allow_review: bool = True, spec: PaperSpec = SPEC) -> PaperTemplate:
    bank = Bank(name="测试题库", scope=OwnerScope.NATIONAL)
    db.session.add(bank)
    db.session.flush()
    db.session.add_all(BankQuestion.from_question(q, bank_id=bank.id) for q in bank_questions())
    template = PaperTemplate(
        name="测试组卷规则",
        scope=OwnerScope.NATIONAL,
        spec=spec.to_dict(),
        bank_ids=[bank.id],
        allow_makeup=allow_makeup,
        allow_review=allow_review,
    )
    db.session.add(template)
    db.session.flush()
    return template


def right_answer(attempt: Attempt, position: int):
    """The correct response in display terms, read from the frozen paper (what a perfect candidate clicks)."""
    item = attempt.paper["items"][position]
    q = item["question"]
    if q["type"] == "fill":
        return q["fill_answers"][0]
    order = item["option_order"] or list(range(len(q["options"])))
    return sorted(order.index(i) for i in q["answer"])


def wrong_answer(attempt: Attempt, position: int):
    item = attempt.paper["items"][position]
    q = item["question"]
    if q["type"] == "fill":
        return "不知道"
    right = right_answer(attempt, position)
    return [next(i for i in range(len(q["options"])) if i not in right)]


def answer_all(attempt: Attempt, *, correct: int, now=None) -> None:
    """Answer every question: the first ``correct`` right, the rest wrong."""
    for pos in range(len(attempt.paper["items"])):
        response = right_answer(attempt, pos) if pos < correct else wrong_answer(attempt, pos)
        autosave.save_answer(attempt, pos, response, pos + 1, now)


@dataclass
class ExamWorld:
    enterprise: Enterprise
    organiser: User
    other_organiser: User
    template: PaperTemplate
    sitting: Sitting
    persons: list[Person]
    workers: list[User]
    outsider: User  # a worker who is not a candidate

    @property
    def person(self) -> Person:
        return self.persons[0]

    @property
    def worker(self) -> User:
        return self.workers[0]


def make_sitting(
    template, organiser, persons, *, opens=None, closes=None, duration=60, access_code="", kind=ExamKind.TRAINING
) -> Sitting:
    now = utcnow()
    return sittings.create_sitting(
        template,
        title="三级安全教育考试",
        kind=kind,
        opens_at=opens or now - timedelta(hours=2),
        closes_at=closes or now + timedelta(hours=3),
        duration_minutes=duration,
        access_code=access_code,
        person_ids=[p.id for p in persons],
        actor=organiser,
    )


def a_candidate(factory) -> tuple[User, Person, Sitting]:
    """王大锤 of 玄武化工 with a worker login, a candidate of an open sitting of the standard paper (committed)."""
    enterprise = factory.enterprise(name="玄武化工有限公司")
    admin = factory.enterprise_admin(enterprise)
    person = factory.employ(enterprise, name="王大锤", actor=admin).person
    worker = factory.worker(person)
    sitting = make_sitting(make_template(), admin, [person])
    factory.commit()
    return worker, person, sitting


@pytest.fixture
def exam_world(factory) -> ExamWorld:
    enterprise = factory.enterprise(name="玄武化工有限公司", region="320102")
    other = factory.enterprise(name="江宁机械有限公司", region="320115")
    organiser = factory.enterprise_admin(enterprise)
    persons = [factory.employ(enterprise, name=name, actor=organiser).person for name in ("王大锤", "李小红", "赵铁柱")]
    outsider_person = factory.employ(enterprise, name="钱多多", actor=organiser).person
    template = make_template()
    sitting = make_sitting(template, organiser, persons)
    world = ExamWorld(
        enterprise=enterprise,
        organiser=organiser,
        other_organiser=factory.enterprise_admin(other),
        template=template,
        sitting=sitting,
        persons=persons,
        workers=[factory.worker(p) for p in persons],
        outsider=factory.worker(outsider_person),
    )
    factory.commit()
    return world


_HASHES: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _fast_passwords(monkeypatch):
    """A password hash costs its method's deliberate time per user; these tests make several users each, all with the
    same password."""
    original = User.set_password

    def set_password(self, password: str) -> None:
        if password not in _HASHES:
            original(self, password)
            _HASHES[password] = self.password_hash
            return
        self.password_hash = _HASHES[password]
        self.rotate_session_token()  # as the real one does: a new password ends every session

    monkeypatch.setattr(User, "set_password", set_password)
