"""特种作业 实际操作考试 (实操) tables: score sheets (``app.exams.practical_sheets``), practical sittings with their
examiners, candidates' attempts admitted on a passed theory exam and the examiners' signed score sheets (the rules:
:mod:`app.exams.practical`). The theory exam's tables are :mod:`app.exams.models`.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from app.auth.models import User
from app.core.db import TimestampMixin, utcnow
from app.exams.models import Attempt
from app.extensions import db
from app.people.models import Person


class ScoreSheet(TimestampMixin, db.Model):
    """实操评分表: the scoring items of one 操作项目, in force from ``valid_from`` (to ``valid_to``, when a later
    version replaced it). A sitting freezes the items of the version in force on its exam day
    (``PracticalSitting.items``), so editing never changes a sheet already used."""

    __tablename__ = "exams_score_sheets"
    __table_args__ = (sa.UniqueConstraint("operation_code", "valid_from"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    operation_code: so.Mapped[str] = so.mapped_column(sa.String(16), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(120))
    valid_from: so.Mapped[date]
    valid_to: so.Mapped[date | None]
    #: Where the split comes from (an official 考核标准, or "typical, not official").
    note: so.Mapped[str] = so.mapped_column(sa.String(300), default="")

    items: so.Mapped[list[ScoreItem]] = so.relationship(
        order_by="ScoreItem.position", cascade="all, delete-orphan", back_populates="sheet"
    )

    @property
    def max_total(self) -> float:
        return sum(item.max_points for item in self.items)

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class ScoreItem(db.Model):
    """One scoring item (科目) of a score sheet: ``K1 安全用具使用``, its points, and whether it is a 否决项 (a
    critical item: an examiner who records its failure fails the candidate whatever the points)."""

    __tablename__ = "exams_score_items"
    __table_args__ = (sa.UniqueConstraint("sheet_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    sheet_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exams_score_sheets.id", ondelete="CASCADE"))
    position: so.Mapped[int]
    code: so.Mapped[str] = so.mapped_column(sa.String(10))
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    max_points: so.Mapped[float]
    critical: so.Mapped[bool] = so.mapped_column(default=False)

    sheet: so.Mapped[ScoreSheet] = so.relationship(back_populates="items")

    def frozen(self) -> dict:
        """The item as a sitting keeps it."""
        return {"code": self.code, "name": self.name, "max": self.max_points, "critical": self.critical}


class PracticalSitting(TimestampMixin, db.Model):
    """实操考试场次: one 操作项目 examined at a 实操考点 on one day, organised by the authority of ``region_code`` (a
    regulator, as 资格考试 are), scored by the assigned examiners (考评员)."""

    __tablename__ = "exams_practical_sittings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(120))
    operation_code: so.Mapped[str] = so.mapped_column(sa.String(16))
    #: The score sheet version in force on ``exam_on`` (for reference) and its items as frozen here:
    #: ``[{"code", "name", "max", "critical"}]``.
    sheet_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("exams_score_sheets.id"))
    items: so.Mapped[list] = so.mapped_column(sa.JSON)
    max_score: so.Mapped[float]
    #: From the rule tables in force on ``exam_on`` for the region (``exam.practical.pass_mark``,
    #: ``exam.practical.examiners``), frozen when the sitting was created.
    pass_mark: so.Mapped[float]
    examiners_required: so.Mapped[int]
    site_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    site_address: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    #: The exam day (local date).
    exam_on: so.Mapped[date] = so.mapped_column(index=True)
    #: The organising authority's 行政区划 code (its regulators see and run the sitting).
    region_code: so.Mapped[str] = so.mapped_column(sa.String(6), index=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))

    examiners: so.Mapped[list[PracticalExaminer]] = so.relationship(
        order_by="PracticalExaminer.id", cascade="all, delete-orphan", back_populates="sitting"
    )

    @property
    def examiner_ids(self) -> list[int]:
        return [e.user_id for e in self.examiners]


class PracticalExaminer(db.Model):
    """A 考评员 assigned to a practical sitting: a regulator account of the organising region."""

    __tablename__ = "exams_practical_examiners"
    __table_args__ = (sa.UniqueConstraint("sitting_id", "user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    sitting_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exams_practical_sittings.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    assigned_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    sitting: so.Mapped[PracticalSitting] = so.relationship(back_populates="examiners")
    user: so.Mapped[User] = so.relationship()


class PracticalAttempt(db.Model):
    """One candidate at one practical sitting: enrolled on a passed theory exam (``theory_attempt_id``), numbered
    among the practical attempts on that theory pass (``attempt_no``, limited by ``exam.practical.attempts`` in
    force on ``exam_on``), graded once when enough examiners have signed (``signatures``)."""

    __tablename__ = "exams_practical_attempts"
    __table_args__ = (
        sa.UniqueConstraint("sitting_id", "person_id"),
        #: Two enrolments can never take the same number on one theory pass, however they race.
        sa.UniqueConstraint(
            "person_id", "theory_attempt_id", "attempt_no", name="uq_exams_practical_attempts_person_theory_no"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    sitting_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exams_practical_sittings.id"), index=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    #: Copies of the sitting's, so "the latest passed practical of 1.2 valid on a day" is one table's query.
    operation_code: so.Mapped[str] = so.mapped_column(sa.String(16))
    exam_on: so.Mapped[date]
    #: The passed theory exam (资格考试 or its 补考) of the same 操作项目 this attempt was admitted on.
    theory_attempt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exams_attempts.id"))
    attempt_no: so.Mapped[int]
    #: Examiners who have signed so far: the counter every signature moves by one conditional UPDATE, which
    #: also serialises the signatures of one attempt (its row lock).
    signatures: so.Mapped[int] = so.mapped_column(default=0)
    score: so.Mapped[float | None]
    max_score: so.Mapped[float | None]
    passed: so.Mapped[bool | None]
    #: True when an examiner recorded the failure of a 否决项.
    vetoed: so.Mapped[bool | None]
    graded_at: so.Mapped[datetime | None]
    added_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    added_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))

    sitting: so.Mapped[PracticalSitting] = so.relationship()
    person: so.Mapped[Person] = so.relationship()
    theory_attempt: so.Mapped[Attempt] = so.relationship()

    @property
    def is_graded(self) -> bool:
        return self.graded_at is not None


class PracticalSignature(db.Model):
    """One examiner's score sheet of one attempt, signed with their own login: the points per item, the 否决项 they
    recorded as failed, when and from where. At most one per examiner and attempt."""

    __tablename__ = "exams_practical_signatures"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "examiner_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    attempt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exams_practical_attempts.id"), index=True)
    examiner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    #: item code → points
    scores: so.Mapped[dict] = so.mapped_column(sa.JSON)
    #: codes of the 否决项 this examiner recorded as failed
    vetoes: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    total: so.Mapped[float]
    signed_at: so.Mapped[datetime]
    ip: so.Mapped[str] = so.mapped_column(sa.String(45), default="")
    user_agent: so.Mapped[str] = so.mapped_column(sa.String(300), default="")

    examiner: so.Mapped[User] = so.relationship()
