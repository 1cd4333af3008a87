"""Certificates and their history.

A certificate is one row for its whole life: 复审, 延期复审, 补发 and 换发 change it in place (the number never
changes) and each change adds a :class:`CertificateEvent`. State changes are conditional ``UPDATE``s guarded by the
states they start from (``app.certificates.lifecycle``), never a read-modify-write.

Uniqueness: a person holds at most one *live* certificate per (number, 作业类别, 操作项目) — or per (number, 人员类型,
行业类别). ``live_key`` carries that triple while the certificate is live and is cleared when it ends (撤销, 注销, 失效),
so the unique index on it admits a new certificate for the same item after the old one ended, on SQLite and
PostgreSQL alike (NULLs never collide).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm as so

from app.core.db import TimestampMixin, utcnow
from app.core.enums import LabelledEnum, enum_column
from app.extensions import db
from app.people.models import Employment, Person


class CertKind(LabelledEnum):
    SPECIAL_OPERATOR = "special_operator", _l("特种作业操作证")
    MANAGER = "manager", _l("安全生产知识和管理能力考核合格证")
    TRAINING = "training", _l("培训合格证明")


#: The captions of a certificate's two classifiers (``category``, ``item``) on its card and its public record, per
#: kind — in Chinese whatever the reader's language, as the card is the legal document.
CLASSIFIER_LABELS = {
    CertKind.SPECIAL_OPERATOR: ("作业类别", "操作项目"),
    CertKind.MANAGER: ("人员类型", "行业类别"),
    CertKind.TRAINING: ("岗位类别", "培训项目"),
}


class CertStatus(LabelledEnum):
    """The statuses the national query page shows. 有效, 待换证, 过期 and the decisions (暂扣, 撤销, 注销) are today's;
    待复审, 逾期未复审 and 失效 are what 30号令's 复审 made of a certificate whose obligation fell due before
    2026-06-01 (``app.certificates.obligations`` decides which rule applied), and they keep that meaning."""

    VALID = "valid", _l("有效")
    RENEWAL_DUE = "renewal_due", _l("待换证")
    OUT_OF_DATE = "out_of_date", _l("过期")
    REVIEW_DUE = "review_due", _l("待复审")
    REVIEW_OVERDUE = "review_overdue", _l("逾期未复审")
    EXPIRED = "expired", _l("失效")
    SUSPENDED = "suspended", _l("暂扣")
    REVOKED = "revoked", _l("撤销")
    CANCELLED = "cancelled", _l("注销")

    @property
    def tone(self) -> str:
        """How a badge shows it: ``ok`` (may work with it), ``warn`` (act soon, or 暂扣), ``bad`` (ended)."""
        if self is CertStatus.VALID:
            return "ok"
        return "warn" if self in (*DUE, CertStatus.SUSPENDED) else "bad"


#: Statuses the calendar gives (recomputed from the dates and the rules on every read, and stored nightly).
DATED = (
    CertStatus.VALID,
    CertStatus.RENEWAL_DUE,
    CertStatus.REVIEW_DUE,
    CertStatus.REVIEW_OVERDUE,
    CertStatus.OUT_OF_DATE,
    CertStatus.EXPIRED,
)
#: Statuses decided by an authority: stored, never moved by the calendar.
DECIDED = (CertStatus.SUSPENDED, CertStatus.REVOKED, CertStatus.CANCELLED)
#: A renewal or a 复审 is due: the holder may still work with it.
DUE = (CertStatus.RENEWAL_DUE, CertStatus.REVIEW_DUE)
#: Statuses in which the holder may work with it (持证上岗).
HOLDS = (CertStatus.VALID, *DUE)
#: Statuses in which the certificate still exists for its holder (the ones that hold, and 暂扣).
LIVE = (*HOLDS, CertStatus.SUSPENDED)
#: Statuses that end a certificate: its item is free for a new one (``live_key`` cleared). A 复审 missed under
#: 30号令 ended it (第二十六条: 失效), and no 延期复审 could follow.
ENDED = (
    CertStatus.REVIEW_OVERDUE,
    CertStatus.EXPIRED,
    CertStatus.OUT_OF_DATE,
    CertStatus.REVOKED,
    CertStatus.CANCELLED,
)


class EventKind(LabelledEnum):
    ISSUED = "issued", _l("发证")
    REVIEWED = "reviewed", _l("复审")
    REVIEW_EXTENDED = "review_extended", _l("延长复审周期（连续从事本工种10年以上）")
    EXTENDED = "extended", _l("延期复审")
    RENEWED = "renewed", _l("换证")
    SUSPENDED = "suspended", _l("暂扣")
    SUSPENSION_PROPOSED = "suspension_proposed", _l("暂扣建议")
    REINSTATED = "reinstated", _l("发还")
    REVOKED = "revoked", _l("撤销")
    CANCELLED = "cancelled", _l("注销")
    REISSUED = "reissued", _l("补发")
    REPLACED = "replaced", _l("换发")
    VIOLATION = "violation", _l("违章记录")
    LAPSED = "lapsed", _l("状态到期变更")
    RULE_CHANGED = "rule_changed", _l("依新规调整")
    RENDERED = "rendered", _l("重新生成电子证书")


class RevocationGround(LabelledEnum):
    """Why a certificate was 撤销 (30号令 第三十条 / 44号令). Fraud bars a new application for the same item for
    ``cert.fraud_ban_years`` (3) years."""

    FRAUD = "fraud", _l("以欺骗、贿赂等不正当手段取得")
    FALSE_RECORD = "false_record", _l("证书记载事项虚假")
    ACCIDENT = "accident", _l("对发生生产安全事故负有责任")
    UNFIT = "unfit", _l("身体条件已不适合继续从事特种作业")
    LAPSED = "lapsed", _l("超过有效期未延期（换证）")
    OTHER = "other", _l("其他法定情形")


#: Grounds that bar a new application for the same item for ``cert.fraud_ban_years`` (30号令 第三十条).
BARRING_GROUNDS = (RevocationGround.FRAUD, RevocationGround.FALSE_RECORD)


class Certificate(TimestampMixin, db.Model):
    __tablename__ = "certs_certificates"
    __table_args__ = (
        sa.Index("ix_certs_certificates_status_due", "status", "review_due_on"),
        #: One 培训合格证明 per person and class, whatever became of it (a revoked one is not issued again).
        sa.UniqueConstraint("person_id", "training_class_id", name="uq_certs_certificates_person_class"),
        #: 培训合格证明 numbers come from a per-issuer, per-year series (``NumberSeries``): never two alike.
        sa.Index(
            "ux_certs_certificates_training_number",
            "number",
            unique=True,
            sqlite_where=sa.text("kind = 'training'"),
            postgresql_where=sa.text("kind = 'training'"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[CertKind] = so.mapped_column(enum_column(CertKind))
    #: 证号: "T" + 身份证号 for 特种作业操作证; others from ``CERT_NUMBER_SCHEMES``. Repeats across one person's cards.
    number: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    #: 作业类别 code ("1") or 人员类型 (``Post`` value); its name as printed.
    category: so.Mapped[str] = so.mapped_column(sa.String(32))
    category_name: so.Mapped[str] = so.mapped_column(sa.String(100))
    #: 操作项目 code ("1.2") or 行业类别 (``Industry`` value) or the class for a 培训合格证明; its name as printed.
    item: so.Mapped[str] = so.mapped_column(sa.String(60))
    item_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    #: "number|category|item" while live, NULL once ended: unique (see the module docstring).
    live_key: so.Mapped[str | None] = so.mapped_column(sa.String(200), unique=True)
    #: 发证机关 as printed, and the 行政区划 it speaks for (scoping: regulators act on their own region's).
    authority: so.Mapped[str] = so.mapped_column(sa.String(120))
    region_code: so.Mapped[str] = so.mapped_column(sa.String(6), default="", index=True)
    #: The employer at issue (持证上岗 is computed from current employments) or the institution that issued it.
    enterprise_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_enterprises.id"))
    institution_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_institutions.id"))
    first_issued_on: so.Mapped[date]
    valid_from: so.Mapped[date]
    valid_to: so.Mapped[date]
    #: 应复审日期 (特种作业 only) and the interval in force (3 years, or 6 under the 10-year rule).
    review_due_on: so.Mapped[date | None]
    review_years: so.Mapped[int | None]
    status: so.Mapped[CertStatus] = so.mapped_column(enum_column(CertStatus), default=CertStatus.VALID)
    #: Random, unguessable: the QR's verification URL carries it.
    verify_code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    #: The passed attempt it was issued on.
    attempt_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("exams_attempts.id"))
    issued_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    #: The completed class a 培训合格证明 attests (NULL for the other kinds and for one issued on a 培训考试).
    training_class_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("training_classes.id"), index=True)
    #: What the card prints beyond the common fields, frozen at issue (培训类型, 课程, 学时, 培训日期, 主办单位 of a
    #: class certificate): later edits of the class or more study never change an issued certificate.
    facts: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    #: The rendered PDF in storage, its sha256 and how many times it was rendered.
    pdf_key: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    pdf_sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    pdf_version: so.Mapped[int] = so.mapped_column(default=0)
    #: Bumped by every change that alters what the card shows; the PDF is current when it was rendered from it.
    content_version: so.Mapped[int] = so.mapped_column(default=1)
    pdf_content_version: so.Mapped[int] = so.mapped_column(default=0)
    #: The 应复审日期 / expiry a reminder was last sent for (once per window).
    reminded_review_for: so.Mapped[date | None]
    reminded_expiry_for: so.Mapped[date | None]
    #: 撤销: when and on which ground (fraud and false records bar a new application: ``BARRING_GROUNDS``).
    revoked_on: so.Mapped[date | None]
    revocation_ground: so.Mapped[RevocationGround | None] = so.mapped_column(enum_column(RevocationGround))

    person: so.Mapped[Person] = so.relationship()
    events: so.Mapped[list[CertificateEvent]] = so.relationship(
        back_populates="certificate", order_by="CertificateEvent.id"
    )

    @property
    def is_live(self) -> bool:
        return self.status in LIVE

    @property
    def pdf_current(self) -> bool:
        return self.pdf_key is not None and self.pdf_content_version == self.content_version

    def __repr__(self) -> str:
        return f"<Certificate {self.id} {self.kind.value} {self.item} {self.status.value}>"


class NumberSeries(db.Model):
    """The last serial used in a numbering series (a 培训合格证明 issuer's year: ``training:<统一社会信用代码>:2026``).
    Advanced by one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (``app.certificates.issuing.numbering.next_serial``):
    concurrent issuers queue on the row and never get the same serial."""

    __tablename__ = "certs_number_series"

    series: so.Mapped[str] = so.mapped_column(sa.String(60), primary_key=True)
    last: so.Mapped[int] = so.mapped_column(default=0)


class CertificateEvent(db.Model):
    """One line of a certificate's history: 复审 records (printed on the card), 暂扣/撤销/注销 with 文号, 补发/换发."""

    __tablename__ = "certs_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    certificate_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("certs_certificates.id"), index=True)
    kind: so.Mapped[EventKind] = so.mapped_column(enum_column(EventKind))
    #: The day it took effect (a 复审's date, a 暂扣's date) in the users' zone.
    on_date: so.Mapped[date]
    reason: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    #: 文号 of the decision (暂扣/撤销/注销), or of the 复审 record.
    doc_number: so.Mapped[str] = so.mapped_column(sa.String(60), default="")
    #: Before/after dates and other facts.
    detail: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    certificate: so.Mapped[Certificate] = so.relationship(back_populates="events")


class CertificateBasis(db.Model):
    """An exam result a certificate event rests on: the theory (and practical) result of an issue, the 复审/换证考试
    of a 复审, 延期复审 or renewal. A result is used once — the unique indexes — so a revoked certificate is never
    issued again from the attempt it was issued on, and one passed exam never renews two certificates."""

    __tablename__ = "certs_bases"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    certificate_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("certs_certificates.id"), index=True)
    #: The event it was used for (发证, 复审, 延期复审, 换证).
    event_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("certs_events.id"))
    attempt_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("exams_attempts.id"), unique=True)
    practical_attempt_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("exams_practical_attempts.id"), unique=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class IssuingDelegation(TimestampMixin, db.Model):
    """A 考核发证机关's entrustment of a city bureau (44号令 第二十条; DOMAIN.md §2.3): ``region_code`` (the city)
    issues ``kind`` in its area in the name of the entrusting authority's rules. Without a row the defaults of
    ``app.certificates.authorities`` hold."""

    __tablename__ = "certs_delegations"
    __table_args__ = (sa.UniqueConstraint("kind", "region_code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[CertKind] = so.mapped_column(enum_column(CertKind))
    region_code: so.Mapped[str] = so.mapped_column(sa.String(6))
    #: The entrusting authority's 行政区划 code (the province).
    granted_by: so.Mapped[str] = so.mapped_column(sa.String(6))
    doc_number: so.Mapped[str] = so.mapped_column(sa.String(60), default="")
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))


class Notice(db.Model):
    """An in-app reminder to one user (the holder's login, an employer's admin): a 复审 or the end of validity is
    near (written once per certificate and window: ``Certificate.reminded_*_for`` is the guard); or a 高危 unit's
    主要负责人/安管 is past the 6 months after appointment without a 合格证 (once per employment)."""

    __tablename__ = "certs_notices"
    __table_args__ = (
        sa.Index("ix_certs_notices_user_unread", "user_id", "read_at"),
        #: One appointment notice per user and employment, however often the job runs.
        sa.Index(
            "ux_certs_notices_appointment",
            "user_id",
            "employment_id",
            unique=True,
            sqlite_where=sa.text("kind = 'appointment'"),
            postgresql_where=sa.text("kind = 'appointment'"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    certificate_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("certs_certificates.id"), index=True)
    #: The appointment an ``appointment`` notice is about.
    employment_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_employments.id"))
    #: ``review`` (复审), ``expiry`` (end of validity: the obligation in ``duty``) or ``appointment``.
    kind: so.Mapped[str] = so.mapped_column(sa.String(12))
    #: For ``expiry``: ``extend`` (延期复审), ``renew`` (换证) or ``renew_manager`` (延期换证); "" before these existed.
    duty: so.Mapped[str] = so.mapped_column(sa.String(16), default="")
    due_on: so.Mapped[date]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    read_at: so.Mapped[datetime | None]

    certificate: so.Mapped[Certificate | None] = so.relationship()
    employment: so.Mapped[Employment | None] = so.relationship()


class BundleState(LabelledEnum):
    QUEUED = "queued", _l("排队中")
    RUNNING = "running", _l("打包中")
    DONE = "done", _l("已完成")
    FAILED = "failed", _l("失败")
    EXPIRED = "expired", _l("已过期")


class CertificateBundle(db.Model):
    """A ZIP of certificate PDFs asked for by one user (``app.certificates.bundles``), built by a Celery task.

    The certificates are chosen when the task starts, by the filter (``scope``, ``scope_ref``, ``status``) within
    what the requester may see then. ``done``/``total`` are moved by conditional ``UPDATE``s of the one run holding
    ``run_token``; a second run (a redelivered task) takes the token over and the first stops at its next step.
    """

    __tablename__ = "certs_bundles"
    __table_args__ = (sa.Index("ix_certs_bundles_state_expires", "state", "expires_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    requested_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("auth_users.id"), index=True)
    #: ``enterprise`` (持证上岗: its current staff), ``sitting`` (a 资格考试's batch) or ``all`` (everything in scope).
    scope: so.Mapped[str] = so.mapped_column(sa.String(20))
    #: The enterprise or sitting id as text ("" for ``all``).
    scope_ref: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    #: A ``CertStatus`` value, or "" for every live certificate.
    status: so.Mapped[str] = so.mapped_column(sa.String(32), default="")
    #: The title shown on the progress page and in the README.txt ("金陵化工有限公司 持证上岗").
    title: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    state: so.Mapped[BundleState] = so.mapped_column(enum_column(BundleState), default=BundleState.QUEUED)
    done: so.Mapped[int] = so.mapped_column(default=0)
    total: so.Mapped[int] = so.mapped_column(default=0)
    #: The run that may move the counters (a fresh token per start of the task).
    run_token: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    #: The ZIP in storage once done, its size and sha256.
    file_key: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    file_size: so.Mapped[int | None]
    file_sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    error: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    started_at: so.Mapped[datetime | None]
    #: When the run holding the token last moved (its start, each chunk): a queued or running bundle silent for
    #: ``CERT_BUNDLE_STALL_MINUTES`` is 已停滞 — another run may take it over, its requester may start anew.
    progressed_at: so.Mapped[datetime | None]
    finished_at: so.Mapped[datetime | None]
    #: After this the file is deleted and the bundle shows 已过期 (``certificates.expire_bundles``, hourly).
    expires_at: so.Mapped[datetime]


class MailState(LabelledEnum):
    PENDING = "pending", _l("待发送")
    SENDING = "sending", _l("发送中")
    SENT = "sent", _l("已发送")
    FAILED = "failed", _l("发送失败")


class NoticeMail(db.Model):
    """The email copy of one :class:`Notice` (``app.certificates.mailing``): one row per notice, so one email per
    recipient and window. A send is claimed by a conditional ``UPDATE`` (``pending``/``failed`` → ``sending``) and
    recorded by another (``sending`` → ``sent``): a retried or redelivered task never sends a sent mail again."""

    __tablename__ = "certs_notice_mails"
    __table_args__ = (sa.Index("ix_certs_notice_mails_state_next", "state", "next_try_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    notice_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("certs_notices.id"), unique=True)
    #: The address at the time the notice was written.
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254))
    state: so.Mapped[MailState] = so.mapped_column(enum_column(MailState), default=MailState.PENDING)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    claimed_at: so.Mapped[datetime | None]
    #: When a failed send may be tried again (the retry sweep).
    next_try_at: so.Mapped[datetime | None]
    sent_at: so.Mapped[datetime | None]
    error: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    notice: so.Mapped[Notice] = so.relationship()
