"""Courses, lessons, classes (班次), enrolments, attendance and the study records that 学时 are counted from.

A course is versioned: once a class uses a version its lessons are frozen (``Course.frozen``), and changes go into a
copy with the next version number, so a lesson is never edited under a learner's feet. Study time is kept per
(person, class, lesson, local day) in :class:`StudyCredit`, written only by atomic ``+=`` statements
(``app.training.study``); :class:`StudySession` is the one active lesson page of a person (a second tab takes
over) and :class:`LessonProgress` the furthest point watched and the seconds credited, for the cap.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm as so

from app.auth.models import User
from app.auth.ownership import OwnedMixin
from app.core.db import TimestampMixin, utcnow
from app.core.enums import LabelledEnum, enum_column
from app.extensions import db
from app.people.models import Person
from app.tenancy.models import Enterprise, TrainingInstitution


class TrainingType(LabelledEnum):
    INITIAL = "initial", _l("初次培训")
    ANNUAL = "annual", _l("年度再培训")
    REVIEW = "review", _l("复审培训")
    THREE_LEVEL = "three_level", _l("三级安全教育")
    TRANSFER = "transfer", _l("换岗/新工艺培训")


class ClassMode(LabelledEnum):
    ONLINE = "online", _l("网络")
    OFFLINE = "offline", _l("面授")
    BLENDED = "blended", _l("混合")


class LessonKind(LabelledEnum):
    TEXT = "text", _l("图文")
    VIDEO = "video", _l("视频")
    PDF = "pdf", _l("PDF 讲义")
    IMAGE = "image", _l("图片")


class Course(OwnedMixin, TimestampMixin, db.Model):
    """A course (课程), one version of it. Copies share ``family_id`` (the first version's id)."""

    __tablename__ = "training_courses"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(120))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    training_type: so.Mapped[TrainingType] = so.mapped_column(enum_column(TrainingType))
    #: ``Post`` values the course is for (empty: any).
    posts: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    #: ``Industry`` values (empty: any).
    industries: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    #: 作业类别/操作项目 code for special-operator courses ("1.2"), empty otherwise.
    operation_code: so.Mapped[str] = so.mapped_column(sa.String(16), default="")
    family_id: so.Mapped[int | None] = so.mapped_column(index=True)
    version: so.Mapped[int] = so.mapped_column(default=1)
    #: Set when the first class used this version: its lessons no longer change.
    frozen_at: so.Mapped[datetime | None]
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))

    lessons: so.Mapped[list[Lesson]] = so.relationship(
        back_populates="course", order_by="Lesson.position", cascade="all, delete-orphan"
    )

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def duration_seconds(self) -> int:
        return sum(lesson.duration_seconds for lesson in self.lessons)


class Lesson(db.Model):
    __tablename__ = "training_lessons"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("training_courses.id"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    title: so.Mapped[str] = so.mapped_column(sa.String(120))
    kind: so.Mapped[LessonKind] = so.mapped_column(enum_column(LessonKind))
    #: The time a learner must spend on it: the most that can be credited for it.
    duration_seconds: so.Mapped[int]
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    #: Storage key of the uploaded file (video, PDF, image); empty for text lessons.
    file_key: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    file_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    content_type: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    file_size: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)

    course: so.Mapped[Course] = so.relationship(back_populates="lessons")


class TrainingClass(TimestampMixin, db.Model):
    """班次: a course version taught to a list of trainees over some dates, ending with a class exam (逢培必考)."""

    __tablename__ = "training_classes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(120))
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("training_courses.id"), index=True)
    training_type: so.Mapped[TrainingType] = so.mapped_column(enum_column(TrainingType))
    mode: so.Mapped[ClassMode] = so.mapped_column(enum_column(ClassMode))
    starts_on: so.Mapped[date]
    ends_on: so.Mapped[date]
    #: 学时 a trainee needs in this class (online and offline together) to complete it.
    required_hours: so.Mapped[float]
    post: so.Mapped[str] = so.mapped_column(sa.String(32), default="")
    operation_code: so.Mapped[str] = so.mapped_column(sa.String(16), default="")
    exam_template_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("bank_templates.id"))
    #: The class exam (a sitting of kind ``class``), once opened.
    exam_sitting_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("exams_sittings.id"))
    # Organiser (one of), exactly as ``exams.models.Sitting``: ``app.auth.scope.organises`` applies.
    enterprise_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_enterprises.id"), index=True)
    institution_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_institutions.id"), index=True)
    region_code: so.Mapped[str] = so.mapped_column(sa.String(6), default="")
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))

    #: 逢培必考 opens for a trainee once their hours are complete; set, the organiser lets trainees sit the class
    #: exam earlier (shown to the regulator with who set it, when and why: ``app.training.attendance``).
    exam_before_hours: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    exam_before_hours_reason: so.Mapped[str] = so.mapped_column(sa.String(200), default="", server_default="")
    exam_before_hours_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    exam_before_hours_at: so.Mapped[datetime | None]

    course: so.Mapped[Course] = so.relationship()
    institution: so.Mapped[TrainingInstitution | None] = so.relationship()


class Enrolment(db.Model):
    __tablename__ = "training_enrolments"
    __table_args__ = (sa.UniqueConstraint("class_id", "person_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("training_classes.id"), index=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    enrolled_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    enrolled_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    #: Set once: required hours reached and class exam passed (``training.completed`` in the archive).
    completed_at: so.Mapped[datetime | None]

    person: so.Mapped[Person] = so.relationship()
    training_class: so.Mapped[TrainingClass] = so.relationship()


class Attendance(db.Model):
    """One offline session attended (面授): credited by the offline 学时 length."""

    __tablename__ = "training_attendance"
    __table_args__ = (
        sa.UniqueConstraint(
            "class_id", "person_id", "session_date", "session_label", name="uq_training_attendance_session"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("training_classes.id"), index=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    session_date: so.Mapped[date]
    #: Which session of the day ("上午", "下午"): a day may hold several.
    session_label: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    minutes: so.Mapped[int]
    #: ``manual`` or ``sheet`` (sign-in sheet import); both with who entered it and why.
    source: so.Mapped[str] = so.mapped_column(sa.String(10))
    reason: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    recorded_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    #: sha256 of the sign-in sheet a ``sheet`` entry came from (the file is the organiser's evidence).
    sheet_sha256: so.Mapped[str] = so.mapped_column(sa.String(64), default="", server_default="")
    #: The approved correction (更正) that made or last changed this entry, for one after its day.
    correction_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("training_attendance_corrections.id", name="fk_training_attendance_correction")
    )

    recorded_by: so.Mapped[User | None] = so.relationship(foreign_keys=[recorded_by_id])


class AttendanceDay(db.Model):
    """面授 minutes of one person on one local day, across all classes: the counter the daily cap is kept on, moved
    only by conditional ``UPDATE … WHERE minutes + :m <= :allowed`` (``app.training.attendance``)."""

    __tablename__ = "training_attendance_days"

    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), primary_key=True)
    day: so.Mapped[date] = so.mapped_column(primary_key=True)
    minutes: so.Mapped[int] = so.mapped_column(default=0)


class CorrectionKind(LabelledEnum):
    ADD = "add", _l("补录")
    CHANGE = "change", _l("更改时长")
    WITHDRAW = "withdraw", _l("撤销")


class CorrectionState(LabelledEnum):
    """pending → approved | rejected, once (a conditional ``UPDATE … WHERE state = 'pending'``)."""

    PENDING = "pending", _l("待审批")
    APPROVED = "approved", _l("已批准")
    REJECTED = "rejected", _l("已驳回")


class AttendanceCorrection(db.Model):
    """A change to 面授 attendance after its day (更正): asked by the organiser, applied only when a second person
    (the organiser's supervisor or the supervising regulator, ``app.auth.policy``) approves it."""

    __tablename__ = "training_attendance_corrections"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("training_classes.id"), index=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    kind: so.Mapped[CorrectionKind] = so.mapped_column(enum_column(CorrectionKind))
    #: The entry a change or withdrawal is about (None for an addition until it is approved). No foreign key: a
    #: withdrawal deletes the entry, and this id stays as the record of which one it was.
    attendance_id: so.Mapped[int | None]
    session_date: so.Mapped[date]
    session_label: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    #: Minutes after the correction (0 for a withdrawal) and before it (0 for an addition).
    minutes: so.Mapped[int] = so.mapped_column(default=0)
    old_minutes: so.Mapped[int] = so.mapped_column(default=0)
    source: so.Mapped[str] = so.mapped_column(sa.String(10), default="manual")
    sheet_sha256: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    reason: so.Mapped[str] = so.mapped_column(sa.String(200))
    state: so.Mapped[CorrectionState] = so.mapped_column(enum_column(CorrectionState), default=CorrectionState.PENDING)
    requested_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    requested_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    decided_at: so.Mapped[datetime | None]
    decision_note: so.Mapped[str] = so.mapped_column(sa.String(200), default="")

    person: so.Mapped[Person] = so.relationship()
    training_class: so.Mapped[TrainingClass] = so.relationship()
    requested_by: so.Mapped[User] = so.relationship(foreign_keys=[requested_by_id])
    decided_by: so.Mapped[User | None] = so.relationship(foreign_keys=[decided_by_id])


class ApplicationState(LabelledEnum):
    """pending → accepted | refused (by the institution) | withdrawn (by the enterprise); a refused or withdrawn
    application may be made again (pending)."""

    PENDING = "pending", _l("待审核")
    ACCEPTED = "accepted", _l("已通过")
    REFUSED = "refused", _l("未通过")
    WITHDRAWN = "withdrawn", _l("已撤回")


class EnrolmentApplication(db.Model):
    """报名申请: an enterprise asks an institution to take one of its staff into a class; the institution decides
    (报名审核). Accepting enrols the person (and makes them the institution's 学员)."""

    __tablename__ = "training_enrolment_applications"
    __table_args__ = (sa.UniqueConstraint("class_id", "person_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("training_classes.id"), index=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    enterprise_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_enterprises.id"), index=True)
    state: so.Mapped[ApplicationState] = so.mapped_column(
        enum_column(ApplicationState), default=ApplicationState.PENDING
    )
    applied_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    applied_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    decided_at: so.Mapped[datetime | None]
    #: Why it was refused (required then), or a note with the acceptance.
    note: so.Mapped[str] = so.mapped_column(sa.String(200), default="")

    person: so.Mapped[Person] = so.relationship()
    enterprise: so.Mapped[Enterprise] = so.relationship()
    training_class: so.Mapped[TrainingClass] = so.relationship()


class ClassInvitation(db.Model):
    """An institution invites an enterprise to send staff to one of its classes (the enterprise then applies)."""

    __tablename__ = "training_class_invitations"
    __table_args__ = (sa.UniqueConstraint("class_id", "enterprise_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("training_classes.id"), index=True)
    enterprise_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_enterprises.id"), index=True)
    invited_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    invited_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    note: so.Mapped[str] = so.mapped_column(sa.String(200), default="")

    enterprise: so.Mapped[Enterprise] = so.relationship()
    training_class: so.Mapped[TrainingClass] = so.relationship()


class StudySession(db.Model):
    """The person's one active lesson page: a new page (another tab, another lesson) replaces the token, and the
    old page's heartbeats are refused from then on."""

    __tablename__ = "training_study_sessions"

    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), primary_key=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(40))
    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("training_classes.id"))
    lesson_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("training_lessons.id"))
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    #: The clock the next credit is measured from (None until the first heartbeat).
    last_at: so.Mapped[datetime | None]
    #: Player position (seconds) at the last accepted heartbeat.
    position: so.Mapped[float] = so.mapped_column(default=0.0)
    #: Seconds the position ran behind the clock since the last refusal (:data:`app.training.crediting.StudyState`).
    lag: so.Mapped[float] = so.mapped_column(default=0.0, server_default="0")
    #: What the page said at the last accepted heartbeat (``on``, ``hidden``, ``paused``): how the time until the
    #: next one is judged (:class:`app.training.crediting.StudyState`).
    page: so.Mapped[str] = so.mapped_column(sa.String(8), default="paused", server_default="paused")
    #: PDF, image and text lessons: the open "还在学习吗？" prompt's nonce ("" none) and when it was put, the next
    #: random prompt, random prompts left on this page, prompts answered late.
    prompt: so.Mapped[str] = so.mapped_column(sa.String(24), default="", server_default="")
    prompt_at: so.Mapped[datetime | None]
    next_prompt_at: so.Mapped[datetime | None]
    prompts_left: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    misses: so.Mapped[int] = so.mapped_column(default=0, server_default="0")


class LessonProgress(db.Model):
    __tablename__ = "training_lesson_progress"
    __table_args__ = (sa.UniqueConstraint("person_id", "class_id", "lesson_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("training_classes.id"))
    lesson_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("training_lessons.id"))
    #: Furthest point watched (seconds): the player does not seek past it.
    furthest: so.Mapped[float] = so.mapped_column(default=0.0)
    credited_seconds: so.Mapped[int] = so.mapped_column(default=0)


class StudyCredit(db.Model):
    """Seconds credited per person, class, lesson and local day: the auditable ledger of online study."""

    __tablename__ = "training_study_credits"
    __table_args__ = (sa.UniqueConstraint("person_id", "class_id", "lesson_id", "day"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("training_classes.id"), index=True)
    lesson_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("training_lessons.id"))
    day: so.Mapped[date]
    seconds: so.Mapped[int] = so.mapped_column(default=0)


class HeldCredit(db.Model):
    """Seconds of online study earned in the window of a 人像抓拍 whose credit is held (``Snapshot.credit_held``:
    the face check has not answered, or flagged it for 复核), per local day: not in the ledger until a match or a
    复核 of 本人 moves them into :class:`StudyCredit`; a 复核 of 非本人 removes them (``app.training.held``). They
    count in ``LessonProgress.credited_seconds`` (the lesson's cap) until removed, so at every moment
    ``credited_seconds = Σ StudyCredit + Σ HeldCredit`` for each person, class and lesson."""

    __tablename__ = "training_held_credits"
    __table_args__ = (
        sa.UniqueConstraint("snapshot_id", "day"),
        sa.Index("ix_training_held_credits_person_class", "person_id", "class_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    snapshot_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_snapshots.id"))
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"))
    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("training_classes.id"))
    lesson_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("training_lessons.id"))
    day: so.Mapped[date]
    seconds: so.Mapped[int]
