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
from app.people.models import Person


class CertKind(LabelledEnum):
    SPECIAL_OPERATOR = "special_operator", _l("特种作业操作证")
    MANAGER = "manager", _l("安全生产知识和管理能力考核合格证")
    TRAINING = "training", _l("培训合格证明")


class CertStatus(LabelledEnum):
    """The statuses the national query page shows."""

    VALID = "valid", _l("有效")
    REVIEW_DUE = "review_due", _l("待复审")
    REVIEW_OVERDUE = "review_overdue", _l("逾期未复审")
    EXPIRED = "expired", _l("失效")
    SUSPENDED = "suspended", _l("暂扣")
    REVOKED = "revoked", _l("撤销")
    CANCELLED = "cancelled", _l("注销")


#: Statuses in which the certificate still exists for its holder (the date-driven ones, and 暂扣).
LIVE = (CertStatus.VALID, CertStatus.REVIEW_DUE, CertStatus.REVIEW_OVERDUE, CertStatus.SUSPENDED)
#: Statuses moved by the calendar (the nightly job, and the date check on every read).
DATED = (CertStatus.VALID, CertStatus.REVIEW_DUE, CertStatus.REVIEW_OVERDUE)
#: Statuses in which the holder may work with it (持证上岗).
HOLDS = (CertStatus.VALID, CertStatus.REVIEW_DUE)


class EventKind(LabelledEnum):
    ISSUED = "issued", _l("发证")
    REVIEWED = "reviewed", _l("复审")
    REVIEW_EXTENDED = "review_extended", _l("延长复审周期（连续从事本工种10年以上）")
    EXTENDED = "extended", _l("延期复审")
    SUSPENDED = "suspended", _l("暂扣")
    REINSTATED = "reinstated", _l("发还")
    REVOKED = "revoked", _l("撤销")
    CANCELLED = "cancelled", _l("注销")
    REISSUED = "reissued", _l("补发")
    REPLACED = "replaced", _l("换发")
    LAPSED = "lapsed", _l("状态到期变更")
    RENDERED = "rendered", _l("重新生成电子证书")


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
    Advanced by one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (``app.certificates.issuing.next_serial``):
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


class Notice(db.Model):
    """An in-app reminder to one user (the holder's login, an employer's admin): 应复审日期 or expiry is near.
    Written once per certificate and window (``Certificate.reminded_*_for`` is the guard)."""

    __tablename__ = "certs_notices"
    __table_args__ = (sa.Index("ix_certs_notices_user_unread", "user_id", "read_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    certificate_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("certs_certificates.id"), index=True)
    #: ``review`` (应复审日期) or ``expiry`` (end of validity: 延期复审 / renewal).
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))
    due_on: so.Mapped[date]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    read_at: so.Mapped[datetime | None]

    certificate: so.Mapped[Certificate] = so.relationship()
