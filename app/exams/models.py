"""Exam sittings, candidates, attempts and saved answers (the 实操 side's tables: :mod:`app.exams.practical.models`).

An attempt freezes its whole paper (question snapshots, option order, seed) as JSON when it starts; the
server owns time (``deadline``); answers are upserted one row per question with a client sequence number
so an older retry never overwrites a newer answer; submission is a guarded state transition so it happens
once however many requests race for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm as so

from app.auth.models import User
from app.core.db import TimestampMixin, utcnow
from app.core.enums import LabelledEnum, enum_column
from app.extensions import db
from app.people.models import Person


class ExamKind(LabelledEnum):
    TRAINING = "training", _l("培训考试")
    QUALIFICATION = "qualification", _l("资格考试")
    REVIEW = "review", _l("复审（换证）考试")
    MAKEUP = "makeup", _l("补考")
    SPOTCHECK = "spotcheck", _l("逢查必考")
    CLASS = "class", _l("班次考试")


class AttemptState(LabelledEnum):
    """not started (no row) → in_progress → submitted | expired → graded."""

    IN_PROGRESS = "in_progress", _l("答题中")
    SUBMITTED = "submitted", _l("已交卷")
    EXPIRED = "expired", _l("已超时")
    GRADED = "graded", _l("已评分")


class InvalidTransition(RuntimeError):
    """An attempt was asked to move to a state it cannot reach from where it is."""


#: The attempt state machine. ``None`` is "not started" (no row yet). Services turn each edge into a conditional
#: ``UPDATE … WHERE state IN (sources)``, so the database enforces it under concurrency too.
TRANSITIONS: dict[AttemptState | None, frozenset[AttemptState]] = {
    None: frozenset({AttemptState.IN_PROGRESS}),
    AttemptState.IN_PROGRESS: frozenset({AttemptState.SUBMITTED, AttemptState.EXPIRED}),
    AttemptState.SUBMITTED: frozenset({AttemptState.GRADED}),
    AttemptState.EXPIRED: frozenset({AttemptState.GRADED}),
    AttemptState.GRADED: frozenset(),
}


def sources_of(target: AttemptState) -> tuple[AttemptState, ...]:
    """The states an attempt may move to ``target`` from."""
    return tuple(state for state, targets in TRANSITIONS.items() if state is not None and target in targets)


def check_transition(current: AttemptState | None, target: AttemptState) -> None:
    """:raises InvalidTransition: unless ``current → target`` is an edge of :data:`TRANSITIONS`."""
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(f"{current.value if current else 'not_started'} → {target.value}")


class Sitting(TimestampMixin, db.Model):
    """考试场次: one exam event built from a paper template, for a list of candidates, in a time window."""

    __tablename__ = "exams_sittings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(120))
    kind: so.Mapped[ExamKind] = so.mapped_column(enum_column(ExamKind))
    #: What a result counts for across sittings (``app.exams.sittings.subject_of``): kind, post, operation code.
    #: 补考 and retake limits are counted per person and subject.
    subject: so.Mapped[str] = so.mapped_column(sa.String(60), default="", index=True)
    #: The 岗位 (``Post`` value) and 作业类别/操作项目 code the exam is for; empty when not specific.
    post: so.Mapped[str] = so.mapped_column(sa.String(32), default="")
    operation_code: so.Mapped[str] = so.mapped_column(sa.String(16), default="")
    template_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("bank_templates.id"))
    #: PaperSpec.to_dict() frozen when the sitting was created (later template edits don't change it).
    spec: so.Mapped[dict] = so.mapped_column(sa.JSON)
    bank_ids: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    opens_at: so.Mapped[datetime]
    closes_at: so.Mapped[datetime]
    duration_minutes: so.Mapped[int]
    access_code: so.Mapped[str] = so.mapped_column(sa.String(20), default="")
    allow_review: so.Mapped[bool] = so.mapped_column(default=True)
    allow_makeup: so.Mapped[bool] = so.mapped_column(default=True)
    #: For a 补考 sitting: the sitting whose failed candidates it re-examines.
    makeup_of_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("exams_sittings.id"))
    # Organiser (one of): an enterprise, an institution, or a regulator's jurisdiction.
    enterprise_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_enterprises.id"))
    institution_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_institutions.id"))
    region_code: so.Mapped[str] = so.mapped_column(sa.String(6), default="")
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))

    makeup_of: so.Mapped[Sitting | None] = so.relationship(remote_side=[id])

    @property
    def pass_mark(self) -> float:
        return float(self.spec.get("pass_mark", 80))

    @property
    def question_count(self) -> int:
        return sum(int(s["count"]) for s in self.spec.get("sections", []))

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    def deadline_for(self, started_at: datetime, extra_minutes: int = 0) -> datetime:
        """When an attempt started at ``started_at`` must end: the duration, cut at the sitting's close,
        plus any time the organiser granted (an extension may run past the close: it makes up lost time)."""
        natural = min(started_at + timedelta(minutes=self.duration_minutes), self.closes_at)
        return natural + timedelta(minutes=extra_minutes)


class Candidate(db.Model):
    __tablename__ = "exams_candidates"
    __table_args__ = (sa.UniqueConstraint("sitting_id", "person_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    sitting_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exams_sittings.id"), index=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    added_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    person: so.Mapped[Person] = so.relationship()


class GateOverride(db.Model):
    """A candidate admitted to a 资格考试 or 复审考试 the enrolment gates refused (training hours short): the reason
    from the fixed list (``app.exams.gates.OVERRIDE_REASONS``) and its substance in words, who and when. Listed
    for the regulator over the sitting's region; also written into the person's file (``exam.gate_overridden``)."""

    __tablename__ = "exams_gate_overrides"
    __table_args__ = (sa.UniqueConstraint("sitting_id", "person_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    sitting_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exams_sittings.id"), index=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    reason_code: so.Mapped[str] = so.mapped_column(sa.String(40))
    reason_text: so.Mapped[str] = so.mapped_column(sa.String(200))
    #: What the gate said (translated when it refused), e.g. "王大锤 学时不足：要求 48 学时，已完成 0 学时".
    refused_because: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    sitting: so.Mapped[Sitting] = so.relationship()
    person: so.Mapped[Person] = so.relationship()
    actor: so.Mapped[User | None] = so.relationship()


class Attempt(db.Model):
    """One candidate's sitting of one paper. At most one per (sitting, person): 补考 is its own sitting."""

    __tablename__ = "exams_attempts"
    __table_args__ = (
        sa.UniqueConstraint("sitting_id", "person_id"),
        sa.Index("ix_exams_attempts_open", "state", "deadline"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    sitting_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exams_sittings.id"))
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    state: so.Mapped[AttemptState] = so.mapped_column(enum_column(AttemptState), default=AttemptState.IN_PROGRESS)
    #: Paper.to_dict(): the frozen paper, including answers — never sent to the browser. Tens of kB of JSON, so
    #: it (like ``result``) loads only when read: the busy requests (autosave, board, lists) never need it.
    paper: so.Mapped[dict] = so.mapped_column(sa.JSON, deferred=True)
    #: The questions as the candidate sees them (``Paper.public_view()``: no answers) as JSON text, written at the
    #: start: the exam page's state embeds it verbatim instead of decoding and filtering the whole paper each time.
    questions_json: so.Mapped[str] = so.mapped_column(sa.Text, deferred=True, default="")
    seed: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    deadline: so.Mapped[datetime]
    extra_minutes: so.Mapped[int] = so.mapped_column(default=0)
    submitted_at: so.Mapped[datetime | None]
    graded_at: so.Mapped[datetime | None]
    score: so.Mapped[float | None]
    max_score: so.Mapped[float | None]
    passed: so.Mapped[bool | None]
    #: GradeResult.to_dict()
    result: so.Mapped[dict | None] = so.mapped_column(sa.JSON, deferred=True)
    focus_losses: so.Mapped[int] = so.mapped_column(default=0)
    ip: so.Mapped[str] = so.mapped_column(sa.String(45), default="")
    user_agent: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    #: Last accepted autosave (the organiser's board shows it as "last activity").
    last_saved_at: so.Mapped[datetime | None]

    sitting: so.Mapped[Sitting] = so.relationship()
    person: so.Mapped[Person] = so.relationship()

    @property
    def is_open(self) -> bool:
        return self.state is AttemptState.IN_PROGRESS

    @property
    def is_finished(self) -> bool:
        return self.state is not AttemptState.IN_PROGRESS

    def check_transition(self, target: AttemptState) -> None:
        """:raises InvalidTransition: when this attempt cannot move to ``target`` from its current state."""
        check_transition(self.state, target)

    def accepts_answers(self, now: datetime, grace: timedelta) -> bool:
        return self.state is AttemptState.IN_PROGRESS and now <= self.deadline + grace

    def seconds_left(self, now: datetime) -> int:
        return max(0, int((self.deadline - now).total_seconds()))


class PreparedPaper(db.Model):
    """A candidate's paper drawn before the start (``app.exams.attempts.preparing``), so that 开始考试 only moves it into
    the attempt in one statement. Drawn by the same rule and with a fresh seed, as the start would draw it, from the
    banks as they stood (``revisions``): a start after a bank changed draws anew. Never shown to anyone: it is
    read only by the start, which deletes it."""

    __tablename__ = "exams_prepared_papers"
    __table_args__ = (sa.UniqueConstraint("sitting_id", "person_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    sitting_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exams_sittings.id", ondelete="CASCADE"))
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id", ondelete="CASCADE"), index=True)
    seed: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    #: As ``Attempt.paper`` and ``Attempt.questions_json``, copied into the attempt at the start.
    paper: so.Mapped[dict] = so.mapped_column(sa.JSON, deferred=True)
    questions_json: so.Mapped[str] = so.mapped_column(sa.Text, deferred=True)
    #: ``app.bank.queries.bank_revisions`` of the sitting's banks when it was drawn.
    revisions: so.Mapped[str] = so.mapped_column(sa.Text)
    prepared_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class Answer(db.Model):
    """The latest saved response to one question of an attempt (display terms, as the candidate saw it)."""

    __tablename__ = "exams_answers"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "position"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    attempt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exams_attempts.id"))
    position: so.Mapped[int]
    #: list of displayed option positions for choice questions, a string for 填空, null when cleared.
    response: so.Mapped[object | None] = so.mapped_column(sa.JSON)
    flagged: so.Mapped[bool] = so.mapped_column(default=False)
    #: Monotonic per (attempt, position) from the page's answer queue: a late retry of an older change loses.
    client_seq: so.Mapped[int] = so.mapped_column(default=0)
    saved_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class AttemptLog(db.Model):
    """Integrity and organiser events of an attempt: focus lost, resumed on another device, time extended."""

    __tablename__ = "exams_attempt_log"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    attempt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exams_attempts.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(30))
    detail: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class ItemResult(db.Model):
    """One question of a graded attempt: written once, at grading, for figures that are plain SQL (most-missed
    questions and topics, pass rates by topic) instead of Python over every frozen paper."""

    __tablename__ = "exams_item_results"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "position"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    attempt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exams_attempts.id"))
    sitting_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exams_sittings.id"), index=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    position: so.Mapped[int]
    #: ``Question.key`` (stable across versions of a question)
    question_key: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    topic: so.Mapped[str] = so.mapped_column(sa.String(60), default="")
    answered: so.Mapped[bool]
    correct: so.Mapped[bool]
    score: so.Mapped[float]
    max_score: so.Mapped[float]
