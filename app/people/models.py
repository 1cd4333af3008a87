"""Persons and their employments, and what the people package keeps about them (人像抓拍, roster uploads, the
access log, correction requests). The enterprises, institutions and jurisdictions are ``app.tenancy``'s."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy import orm as so

from app.auth.models import User
from app.core import crypto
from app.core.db import TimestampMixin, utcnow
from app.core.enums import LabelledEnum, enum_column
from app.extensions import db
from app.people.identifiers import mask_id
from app.tenancy.models import Enterprise


class Post(LabelledEnum):
    """岗位类别: the three 三项岗位 plus everyone else."""

    PRINCIPAL = "principal", _l("主要负责人")
    SAFETY_MANAGER = "safety_manager", _l("安全管理人员")
    SPECIAL_OPERATOR = "special_operator", _l("特种作业人员")
    WORKER = "worker", _l("其他从业人员")


class EmploymentType(LabelledEnum):
    """用工形式. 被派遣劳动者 and 实习学生 must be trained like own staff (安全生产法 第二十八条)."""

    REGULAR = "regular", _l("正式")
    DISPATCHED = "dispatched", _l("劳务派遣")
    FLEXIBLE = "flexible", _l("灵活用工")
    INTERN = "intern", _l("实习")


class IdType(LabelledEnum):
    """证件类型."""

    RESIDENT_ID = "resident_id", _l("居民身份证")
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit", _l("港澳台居民居住证")
    FOREIGN_PERMANENT_ID = "foreign_permanent_id", _l("外国人永久居留身份证")


class Trainee(db.Model):
    """A person a training institution trains (学员): enrolled in one of its classes, or sent by their employer.

    It is what lets an institution see a person at all (``app.people.scope``) and seat them in its exams; the class
    that brought them is the training package's business, this row only records the relation and its source.
    """

    __tablename__ = "people_trainees"
    __table_args__ = (sa.UniqueConstraint("institution_id", "person_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    institution_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_institutions.id"), index=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    source: so.Mapped[str] = so.mapped_column(sa.String(60), default="")
    since: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class Person(TimestampMixin, db.Model):
    """从业人员: one row per natural person, whoever employs them (一人一档)."""

    __tablename__ = "people_persons"
    __table_args__ = (sa.UniqueConstraint("id_type", "id_hash"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    id_type: so.Mapped[IdType] = so.mapped_column(enum_column(IdType))
    #: 证件号码, Fernet-encrypted; read through ``id_number``.
    id_number_enc: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    #: Keyed hash of (id_type, number) for lookups: the same person is found again on import.
    id_hash: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    #: Masked form for lists, e.g. 1101**********1234.
    id_masked: so.Mapped[str] = so.mapped_column(sa.String(24))
    name: so.Mapped[str] = so.mapped_column(sa.String(50), index=True)
    sex: so.Mapped[str] = so.mapped_column(sa.String(1))
    birth_date: so.Mapped[date | None]
    phone: so.Mapped[str] = so.mapped_column(sa.String(20), default="")
    education: so.Mapped[str] = so.mapped_column(sa.String(20), default="")
    #: The registered 一寸 photo (app/people/photos.py): its storage key and sha256; None until one is uploaded.
    photo_key: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    photo_sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    #: The registered photo's perceptual hashes (``app.people.photos.picture_hash``): a 人像抓拍 that is this picture
    #: again is refused. Empty for a photo stored before they were kept (worked out on first need).
    photo_phash: so.Mapped[str] = so.mapped_column(sa.String(64), default="", server_default="")
    #: When the person withdrew their consent to the registered photo (biometric data, 个人信息保护法 第十五条, 第二十九条):
    #: the nightly purge deletes it once nothing depends on it (``app.records.retention.photo_may_go``). Cleared when
    #: the person uploads a photo again.
    photo_consent_withdrawn_at: so.Mapped[datetime | None]
    #: When the retention job deleted the registered photo (its file and the references above): the 一人一档 shows
    #: "照片已按规定删除" instead of the picture until a new one is uploaded.
    photo_purged_at: so.Mapped[datetime | None]

    employments: so.Mapped[list[Employment]] = so.relationship(
        back_populates="person", order_by="Employment.start_date.desc()"
    )

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc)

    def set_id_number(self, id_type: IdType, number: str) -> None:
        self.id_type = id_type
        self.id_number_enc = crypto.encrypt(number)
        self.id_hash = crypto.blind_index(id_type.value, number)
        self.id_masked = mask_id(number)

    @property
    def current_employments(self) -> list[Employment]:
        return [e for e in self.employments if e.end_date is None]

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.name}>"


class PersonMasterDataGuard(RuntimeError):
    """Raised when code writes a person's shared fields without going through ``people.services``' gate."""


#: A person's fields shared by every employer (一人一档): written only through
#: ``people.services.change_person_details`` (or key rotation), which checks who may and records the change.
MASTER_FIELDS = ("name", "phone", "education", "sex", "birth_date", "id_type", "id_number_enc", "id_hash", "id_masked")
_PERMIT = "_anpei_master_change_permitted"


def permit_master_change(person: Person) -> None:
    """Let the next flush write ``person``'s shared fields (called by the gate after its checks, nowhere else)."""
    person.__dict__[_PERMIT] = True


@event.listens_for(Person, "before_update")
def _guard_master_data(mapper, connection, target: Person) -> None:
    """Make a takeover impossible by construction: no code path can change shared fields unchecked."""
    permitted = target.__dict__.pop(_PERMIT, False)
    state = sa.inspect(target)
    changed = [name for name in MASTER_FIELDS if state.attrs[name].history.has_changes()]
    if changed and not permitted:
        raise PersonMasterDataGuard(f"person {target.id}: {', '.join(changed)} changed outside the gate")


class Employment(TimestampMixin, db.Model):
    """A person's job at one enterprise: post, 用工形式 and, for 特种作业, the 操作项目."""

    __tablename__ = "people_employments"
    __table_args__ = (sa.Index("ix_people_employments_enterprise_open", "enterprise_id", "end_date"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    enterprise_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_enterprises.id"))
    post: so.Mapped[Post] = so.mapped_column(enum_column(Post))
    employment_type: so.Mapped[EmploymentType] = so.mapped_column(enum_column(EmploymentType))
    #: 作业类别/操作项目 code from the catalogue ("1.2"), for 特种作业人员 only.
    operation_code: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    job_title: so.Mapped[str] = so.mapped_column(sa.String(50), default="")
    start_date: so.Mapped[date]
    end_date: so.Mapped[date | None]
    end_reason: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    #: When the person (on their account) or the authority (in person) confirmed this employment; None while it is
    #: pending: an enterprise that adds someone another employer already registered sees little of them until then
    #: (``app.people.scope.sees_full_record``). Set at once for a person registered by this enterprise.
    confirmed_at: so.Mapped[datetime | None]

    person: so.Mapped[Person] = so.relationship(back_populates="employments")
    enterprise: so.Mapped[Enterprise] = so.relationship()

    @property
    def is_current(self) -> bool:
        return self.end_date is None

    @property
    def is_pending(self) -> bool:
        """Awaiting the person's (or the authority's) confirmation."""
        return self.confirmed_at is None


# ---------------------------------------------------------------- 人像抓拍 (app/people/snapshots.py)


class SnapshotContext(LabelledEnum):
    """Where a snapshot is taken: studying a lesson of a class, or sitting an online exam."""

    LESSON = "lesson", _l("在线学习")
    EXAM = "exam", _l("在线考试")


class SnapshotConsent(db.Model):
    """A person's answer to the 人像抓拍 consent step, per class (``ref_id`` = class id) or exam sitting (sitting id).

    The latest answer counts (a refusal can be changed into consent); each answer is also an 一人一档 event."""

    __tablename__ = "people_snapshot_consents"
    __table_args__ = (sa.UniqueConstraint("person_id", "context", "ref_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    context: so.Mapped[SnapshotContext] = so.mapped_column(enum_column(SnapshotContext))
    ref_id: so.Mapped[int]
    granted: so.Mapped[bool]
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class SnapshotPlan(db.Model):
    """The server's random schedule of one study session or exam attempt: a snapshot is due at ``started_at`` and at
    each of ``offsets`` (seconds after it). The client is only told *that* one is due, never when the next will be.

    Lessons: one row per (person, class), replaced each time a lesson page opens (``token`` = the study session's).
    Exams: one row per attempt (``ref_id`` = attempt id)."""

    __tablename__ = "people_snapshot_plans"
    __table_args__ = (sa.UniqueConstraint("person_id", "context", "ref_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    context: so.Mapped[SnapshotContext] = so.mapped_column(enum_column(SnapshotContext))
    #: class id (lessons) or attempt id (exams)
    ref_id: so.Mapped[int]
    #: lesson id (lessons); 0 for exams
    item_id: so.Mapped[int] = so.mapped_column(default=0)
    token: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    started_at: so.Mapped[datetime]
    offsets: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)


class ReviewVerdict(LabelledEnum):
    """A person's 复核 of a flagged snapshot: is the registered person in it?"""

    SAME_PERSON = "same_person", _l("本人")
    NOT_SAME_PERSON = "not_same_person", _l("非本人")


class Snapshot(db.Model):
    """One 人像抓拍: a JPEG we re-encoded, stored privately (``storage_key`` is random, never a URL), and what the
    face checker said about it. ``needs_review`` marks it for the organiser and regulator; it never refuses credit.
    A 复核 (``app.people.snapshots.reviews.review``) clears ``needs_review`` and keeps who decided what, once."""

    __tablename__ = "people_snapshots"
    __table_args__ = (
        sa.Index("ix_people_snapshots_person_context_ref", "person_id", "context", "ref_id"),
        # a page's snapshots, read on every heartbeat of a lesson that requires them (schedule.lesson_status)
        sa.Index("ix_people_snapshots_plan_taken", "plan_id", "taken_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"))
    context: so.Mapped[SnapshotContext] = so.mapped_column(enum_column(SnapshotContext))
    #: class id (lessons) or attempt id (exams), as in ``SnapshotPlan``
    ref_id: so.Mapped[int]
    item_id: so.Mapped[int] = so.mapped_column(default=0)
    plan_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_snapshot_plans.id", ondelete="SET NULL"))
    taken_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    storage_key: so.Mapped[str] = so.mapped_column(sa.String(120))
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    size: so.Mapped[int] = so.mapped_column(default=0)
    #: The face checker's verdict (``app.people.faces``); all None while checking is off or not yet done.
    face_checker: so.Mapped[str] = so.mapped_column(sa.String(20), default="")
    face_distance: so.Mapped[float | None]
    face_matched: so.Mapped[bool | None]
    needs_review: so.Mapped[bool] = so.mapped_column(default=False)
    #: The picture's perceptual hashes (``app.people.photos.picture_hash``, 48 hex digits): a later snapshot of the
    #: person that is this picture again is refused. Empty for snapshots taken before they were kept.
    phash: so.Mapped[str] = so.mapped_column(sa.String(64), default="", server_default="")
    #: The face detector that found exactly one face in it (``app.people.faces.count_faces``); empty while off.
    face_detector: so.Mapped[str] = so.mapped_column(sa.String(20), default="", server_default="")
    #: While True, online study credited in this snapshot's window (until the next snapshot of its lesson page) is
    #: held (``app.training.held``), not in the ledger: the face check has not answered yet, or it flagged the
    #: snapshot and no 复核 has closed it. Set when taken with a face checker on; cleared by a match or a 复核.
    credit_held: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    #: The 复核 of a flagged snapshot (naive UTC, the reviewer, the verdict and its note); None until reviewed.
    reviewed_at: so.Mapped[datetime | None]
    reviewed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    review_verdict: so.Mapped[ReviewVerdict | None] = so.mapped_column(enum_column(ReviewVerdict))
    review_note: so.Mapped[str] = so.mapped_column(sa.String(200), default="")

    reviewed_by: so.Mapped[User | None] = so.relationship()


class ImportBatch(db.Model):
    """A parsed upload waiting for confirmation. Rows are stored encrypted (they contain ID numbers)."""

    __tablename__ = "people_import_batches"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    enterprise_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_enterprises.id"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    filename: so.Mapped[str] = so.mapped_column(sa.String(200))
    rows_enc: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    problems: so.Mapped[str] = so.mapped_column(sa.Text)  # JSON list of RowProblem dicts (no ID numbers)
    row_count: so.Mapped[int]
    #: Every problem found; only the first ``MAX_STORED_PROBLEMS`` are kept in ``problems``.
    problem_count: so.Mapped[int] = so.mapped_column(default=0)
    #: "parsing" (a Celery task reads the file) → "ready" (preview) or "failed".
    state: so.Mapped[str] = so.mapped_column(sa.String(16), default="ready")
    #: The encrypted upload while it waits for the task; emptied once parsed.
    upload_enc: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    applied_at: so.Mapped[datetime | None]

    @property
    def parsing(self) -> bool:
        return self.state == "parsing"


# ---------------------------------------------------------------- 查阅记录 (app/people/access_log.py)


class AccessKind(LabelledEnum):
    """What of a person's sensitive data was shown to someone else (个人信息保护法: who saw it is recorded)."""

    FULL_ID = "full_id", _l("完整证件号码")
    PHOTO = "photo", _l("登记照片")
    SNAPSHOT = "snapshot", _l("人像抓拍")


class AccessLogEntry(db.Model):
    """One showing of a person's full 证件号码, registered photo or 人像抓拍 to a user other than the person, or to
    an API client. ``viewer_role`` and ``viewer_org`` are kept as they were then (the person sees these, not the
    viewer's name; an API client's name, a system's, is shown).

    A bulk export through the API (NDJSON) is one row per call, not per line: ``person_id`` is NULL, ``row_count``
    says how many lines showed a full number and ``scope_region``/``scope_label`` what the export covered
    (``app.people.access_log``)."""

    __tablename__ = "people_access_log"
    __table_args__ = (
        sa.Index("ix_people_access_log_person_at", "person_id", "at"),
        sa.Index("ix_people_access_log_scope_region_at", "scope_region", "at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    #: None for a bulk export (the row names its scope instead).
    person_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_persons.id"))
    #: The signed-in user; None for an API client.
    viewer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"), index=True)
    viewer_role: so.Mapped[str] = so.mapped_column(sa.String(20))
    viewer_org: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    #: The API client (``api_clients.id``; no foreign key: the API sits above people) and its name at the time.
    client_id: so.Mapped[int | None]
    client_name: so.Mapped[str] = so.mapped_column(sa.String(100), default="", server_default="")
    kind: so.Mapped[AccessKind] = so.mapped_column(enum_column(AccessKind))
    #: The endpoint that served it (``people.person_photo``), or an API call's URL rule (``/api/v1/persons/<person>``),
    #: and, for a snapshot, its id.
    endpoint: so.Mapped[str] = so.mapped_column(sa.String(80))
    ref_id: so.Mapped[int | None]
    #: A bulk export: lines that showed a full 证件号码, the 行政区划 prefix the export covered ("3201": everyone of
    #: 南京市 the client reaches) and what it was (``证书 · 南京市应急管理局``). NULL/empty for a single showing.
    row_count: so.Mapped[int | None]
    scope_region: so.Mapped[str] = so.mapped_column(sa.String(6), default="", server_default="")
    scope_label: so.Mapped[str] = so.mapped_column(sa.String(200), default="", server_default="")

    person: so.Mapped[Person | None] = so.relationship()
    viewer: so.Mapped[User | None] = so.relationship()

    @property
    def viewer_text(self) -> str:
        """Who it was, for the platform admin: the user's label, or ``接口：<client name>``."""
        if self.viewer is not None:
            return self.viewer.label
        return f"接口：{self.client_name}" if self.client_name else ""


# ---------------------------------------------------------------- 更正申请 (app/people/own_record.py)


class CorrectionField(LabelledEnum):
    """What of the 一人一档 a person asks to have corrected."""

    NAME = "name", _l("姓名")
    BIRTH_DATE = "birth_date", _l("出生日期")
    PHONE = "phone", _l("手机号")
    EDUCATION = "education", _l("文化程度")
    EMPLOYMENT = "employment", _l("任职经历")
    TRAINING = "training", _l("培训学时")
    EXAM = "exam", _l("考试记录")
    CERTIFICATE = "certificate", _l("证书")
    OTHER = "other", _l("其他")


class CorrectionState(LabelledEnum):
    PENDING = "pending", _l("待答复")
    ACCEPTED = "accepted", _l("已接受")
    REFUSED = "refused", _l("未接受")


class RecordCorrection(db.Model):
    """A person's request to correct their 一人一档 (个人信息保护法 第四十六条), addressed to a current employer
    (``enterprise_id``) or, with no employer named, to the authority of the person's area. Answered once."""

    __tablename__ = "people_record_corrections"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    enterprise_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_enterprises.id"), index=True)
    field: so.Mapped[CorrectionField] = so.mapped_column(enum_column(CorrectionField))
    wrong: so.Mapped[str] = so.mapped_column(sa.String(500))
    proposed: so.Mapped[str] = so.mapped_column(sa.String(500))
    state: so.Mapped[CorrectionState] = so.mapped_column(enum_column(CorrectionState), default=CorrectionState.PENDING)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    answered_at: so.Mapped[datetime | None]
    answered_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    answer_note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")

    person: so.Mapped[Person] = so.relationship()
    enterprise: so.Mapped[Enterprise | None] = so.relationship()
