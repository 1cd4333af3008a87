"""Banks, stored questions (versioned) and paper templates.

Questions are stored as rows the ``question_bank`` library can turn into its frozen ``Question`` values
(``BankQuestion.to_question``). Editing a question writes a new version row and marks the old one not
current; papers already sat keep their own snapshot inside the attempt, so history never changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm as so

from app.auth.ownership import OwnedMixin
from app.core.db import TimestampMixin, utcnow
from app.core.enums import LabelledEnum, enum_column
from app.extensions import db
from question_bank import PaperSpec, Question, QuestionType, Tags


class Bank(OwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "bank_banks"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    #: Bumped on every change of the bank's questions; in-memory indexes compare it to know they are stale.
    revision: so.Mapped[int] = so.mapped_column(default=1)

    def __repr__(self) -> str:
        return f"<Bank {self.id} {self.name}>"


class BankQuestion(db.Model):
    """One version of one question. ``current`` marks the latest version of ``key`` in its bank."""

    __tablename__ = "bank_questions"
    __table_args__ = (
        sa.UniqueConstraint("bank_id", "key", "version"),
        sa.Index("ix_bank_questions_live", "bank_id", "current", "retired"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    bank_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("bank_banks.id"))
    key: so.Mapped[str] = so.mapped_column(sa.String(64))
    version: so.Mapped[int] = so.mapped_column(default=1)
    current: so.Mapped[bool] = so.mapped_column(default=True)
    retired: so.Mapped[bool] = so.mapped_column(default=False)
    type: so.Mapped[str] = so.mapped_column(sa.String(16), index=True)
    stem: so.Mapped[str] = so.mapped_column(sa.Text)
    options: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    answer: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    fill_answers: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    explanation: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    #: Tags.to_dict(): post, industry, operation, topic, level, extra.
    tags: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    #: Copies of tags.topic / tags.level for filtering and counting in SQL.
    topic: so.Mapped[str] = so.mapped_column(sa.String(40), default="", index=True)
    level: so.Mapped[str] = so.mapped_column(sa.String(10), default="")
    difficulty: so.Mapped[int] = so.mapped_column(default=3)
    source: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    created_at: so.Mapped[Any] = so.mapped_column(sa.DateTime, default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))

    bank: so.Mapped[Bank] = so.relationship()

    def to_question(self) -> Question:
        return Question(
            key=self.key,
            type=QuestionType(self.type),
            stem=self.stem,
            options=tuple(self.options),
            answer=tuple(self.answer),
            fill_answers=tuple(self.fill_answers),
            explanation=self.explanation,
            tags=Tags.from_dict(self.tags),
            difficulty=self.difficulty,
            source=self.source,
            version=self.version,
        )

    @classmethod
    def from_question(
        cls, q: Question, *, bank_id: int, version: int | None = None, created_by_id: int | None = None
    ) -> BankQuestion:
        return cls(
            bank_id=bank_id,
            key=q.key,
            version=version or q.version,
            current=True,
            retired=False,
            type=q.type.value,
            stem=q.stem,
            options=list(q.options),
            answer=list(q.answer),
            fill_answers=list(q.fill_answers),
            explanation=q.explanation,
            tags=q.tags.to_dict(),
            topic=q.tags.topic,
            level=q.tags.level,
            difficulty=q.difficulty,
            source=q.source,
            created_by_id=created_by_id,
        )


class PaperTemplate(OwnedMixin, TimestampMixin, db.Model):
    """组卷规则: a PaperSpec plus the banks it draws from and exam-level options."""

    __tablename__ = "bank_templates"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    #: PaperSpec.to_dict()
    spec: so.Mapped[dict] = so.mapped_column(sa.JSON)
    bank_ids: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    #: Candidates may review each question with the right answer after grading.
    allow_review: so.Mapped[bool] = so.mapped_column(default=True)
    #: One 补考 after a failed attempt (30号令 第十三条).
    allow_makeup: so.Mapped[bool] = so.mapped_column(default=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)

    @property
    def paper_spec(self) -> PaperSpec:
        return PaperSpec.from_dict(self.spec)


class ImportState(LabelledEnum):
    PARSING = "parsing", _l("解析中")
    STAGED = "staged", _l("待确认")
    QUEUED = "queued", _l("排队中")
    RUNNING = "running", _l("导入中")
    DONE = "done", _l("已导入")
    FAILED = "failed", _l("失败")


class ImportMode(LabelledEnum):
    ALL = "all", _l("全部导入（有错误则不导入）")
    VALID_ONLY = "valid_only", _l("仅导入无误的行")


class BankImport(db.Model):
    """A parsed question file waiting for confirmation, then the record of applying it.

    The parsed questions are kept as library JSON (``Question.to_dict``) so the preview, the inline apply and the
    Celery task all work from the same staged data, whichever host serves the next request.
    """

    __tablename__ = "bank_imports"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    bank_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("bank_banks.id"))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    filename: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    format: so.Mapped[str] = so.mapped_column(sa.String(16), default="")
    #: JSON list of ``Question.to_dict()`` — only the rows without errors.
    questions_json: so.Mapped[str] = so.mapped_column(sa.Text, default="[]")
    #: ``RowError.to_dict()`` of every problem; re-rendered in the reader's language on display.
    errors: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    #: ``ImportReport.to_dict()``: layout recognised, counts, every row not read, inferred answers, duplicates.
    report: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    question_count: so.Mapped[int] = so.mapped_column(default=0)
    state: so.Mapped[ImportState] = so.mapped_column(enum_column(ImportState), default=ImportState.STAGED)
    mode: so.Mapped[ImportMode | None] = so.mapped_column(enum_column(ImportMode))
    #: 0–100; written from a separate connection while a Celery task applies a large file.
    progress: so.Mapped[int] = so.mapped_column(default=0)
    #: {"created": n, "updated": n, "unchanged": n} once applied.
    result: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    message: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    applied_at: so.Mapped[datetime | None]

    bank: so.Mapped[Bank] = so.relationship()

    @property
    def error_count(self) -> int:
        return len(self.errors or [])

    @property
    def finished(self) -> bool:
        return self.state in (ImportState.DONE, ImportState.FAILED)
