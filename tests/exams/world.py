"""Tenant A's bank, template, sitting and attempt, for ``tests/test_access_matrix.py``."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.auth.ownership import OwnerScope
from app.bank import services as bank_services
from app.bank.models import BankQuestion
from app.core.db import utcnow
from app.exams import sittings
from app.exams.attempts import starting
from app.exams.models import ExamKind
from app.extensions import db
from question_bank import PaperSpec, QuestionType, Section, write_questions
from tests.bank.conftest import make_questions


def objects_for_access_matrix(tenant_world) -> dict:
    """Enterprise A's own bank (with a question and a staged import), its template, a sitting it organises for
    person A, and person A's attempt at it; the URL values keyed by argument name."""
    w = tenant_world
    owner = {"scope": OwnerScope.ENTERPRISE, "enterprise_id": w.ent_a.id}
    bank = bank_services.create_bank("玄武化工自有题库", **owner)
    bank_services.import_questions(bank, make_questions(6, "a"), actor_id=w.admin_a.id)
    question_id = db.session.scalars(sa.select(BankQuestion.id).where(BankQuestion.bank_id == bank.id).limit(1)).one()
    staged = bank_services.stage_import(
        write_questions(make_questions(2, "s"), "json"), "more.json", bank=bank, actor_id=w.admin_a.id
    )
    spec = PaperSpec(
        title="矩阵试卷", sections=(Section("判断题", QuestionType.TRUE_FALSE, 1, 100.0),), time_limit_minutes=30
    )
    template = bank_services.save_template(
        None, spec=spec, bank_ids=[bank.id], allow_review=True, allow_makeup=True, owner=owner
    )
    now = utcnow()
    sitting = sittings.create_sitting(
        template,
        title="矩阵考试",
        kind=ExamKind.TRAINING,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=2),
        person_ids=[w.person_a.id],
        actor=w.admin_a,
    )
    attempt = starting.start_or_resume(sitting, w.person_a.id, ip="10.0.0.1", user_agent="matrix", now=now)
    return {
        "bank_id": bank.id,
        "question_id": question_id,
        "token": staged.token,
        "fmt": "json",
        "template_id": template.id,
        "sitting_id": sitting.id,
        "attempt_id": attempt.id,
    }
