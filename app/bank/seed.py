"""Demo question bank and paper templates: loaded once, re-running changes nothing (keyed on names)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from app.auth.ownership import OwnerScope
from app.bank import services
from app.bank.models import Bank, BankQuestion, PaperTemplate
from app.extensions import db
from question_bank import Filter, PaperSpec, QuestionType, Section, read_questions

DEMO_BANK = "国家安全生产考试题库（演示）"
DEMO_FILE = Path(__file__).resolve().parent.parent / "seed" / "questions_demo.json"

#: Scaled down from the national papers to what the ~340 demo questions can fill.
DEMO_TEMPLATES = [
    PaperSpec(
        title="特种作业 低压电工作业 理论考试（演示）",
        time_limit_minutes=120,
        pass_mark=80,
        sections=(
            Section("判断题", QuestionType.TRUE_FALSE, 40, 1.5, Filter(operations={"1.2"})),
            Section("单选题", QuestionType.SINGLE, 20, 2, Filter(operations={"1.2"})),
        ),
    ),
    PaperSpec(
        title="主要负责人和安全生产管理人员 安全生产知识考试（演示）",
        time_limit_minutes=120,
        pass_mark=80,
        sections=(
            Section("判断题", QuestionType.TRUE_FALSE, 40, 1, Filter(posts={"principal", "safety_manager"})),
            Section("单选题", QuestionType.SINGLE, 30, 1.5, Filter(posts={"principal", "safety_manager"})),
            Section("多选题", QuestionType.MULTIPLE, 10, 1.5, Filter(posts={"principal", "safety_manager"})),
        ),
    ),
    PaperSpec(
        title="逢查必考 现场测试（演示）",
        time_limit_minutes=10,
        pass_mark=80,
        sections=(
            Section(
                "判断题",
                QuestionType.TRUE_FALSE,
                5,
                10,
                Filter(topics={"重大事故隐患判定标准", "应急处置", "主要负责人职责", "安全管理"}),
            ),
            Section(
                "单选题",
                QuestionType.SINGLE,
                5,
                10,
                Filter(topics={"重大事故隐患判定标准", "应急处置", "主要负责人职责", "安全管理"}),
            ),
        ),
    ),
]


def seed_demo_bank(path: Path = DEMO_FILE) -> Bank | None:
    """Load the demo questions into the national demo bank and add the demo templates (flushes, idempotent).

    :return: the demo bank, or None when the demo file is missing.
    """
    if not path.exists():
        return None
    bank = db.session.scalars(sa.select(Bank).where(Bank.name == DEMO_BANK, Bank.scope == OwnerScope.NATIONAL)).first()
    if bank is None:
        bank = services.create_bank(DEMO_BANK, scope=OwnerScope.NATIONAL)
    has_questions = db.session.scalar(sa.select(sa.func.count()).where(BankQuestion.bank_id == bank.id))
    if not has_questions:
        result = read_questions(path.read_bytes(), filename=path.name)
        if result.errors:
            raise ValueError(f"demo questions have errors: {[e.message('en') for e in result.errors[:5]]}")
        services.import_questions(bank, result.questions, actor_id=None)
    existing = set(db.session.scalars(sa.select(PaperTemplate.name).where(PaperTemplate.scope == OwnerScope.NATIONAL)))
    for spec in DEMO_TEMPLATES:
        if spec.title not in existing:
            services.save_template(
                None,
                spec=spec,
                bank_ids=[bank.id],
                allow_review=True,
                allow_makeup=True,
                owner={"scope": OwnerScope.NATIONAL, "region_code": ""},
            )
    return bank
