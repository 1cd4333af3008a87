"""Inspections (执法检查 with a 逢查必考 test), their one-time tickets and the 整改问题清单 findings."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm as so

from app.core.db import TimestampMixin, utcnow
from app.core.enums import LabelledEnum, enum_column
from app.extensions import db
from app.people.models import Person
from app.tenancy.models import Enterprise


class InspectionState(LabelledEnum):
    OPEN = "open", _l("进行中")
    CLOSED = "closed", _l("已结束")


class TicketReason(LabelledEnum):
    SAMPLED = "sampled", _l("随机抽取")
    ADDED = "added", _l("现场增加")
    SWAP_IN = "swap_in", _l("替换缺席人员")


class TicketState(LabelledEnum):
    """issued → claimed (identity confirmed on one device) → done; locked after 5 wrong identities; void when
    replaced (swap or reissue)."""

    ISSUED = "issued", _l("待扫码")
    CLAIMED = "claimed", _l("答题中")
    LOCKED = "locked", _l("已锁定")
    DONE = "done", _l("已完成")
    VOID = "void", _l("已作废")


class FindingState(LabelledEnum):
    OPEN = "open", _l("待整改")
    IN_PROGRESS = "in_progress", _l("整改中")
    AWAITING_REVIEW = "awaiting_review", _l("待复核")
    CLOSED = "closed", _l("已销号")
    REJECTED = "rejected", _l("复核未通过")


class InvalidFindingTransition(RuntimeError):
    """A finding was asked to move to a state it cannot reach from where it is."""


class Inspection(TimestampMixin, db.Model):
    """One 执法检查 of one enterprise, with its on-site test (an exams ``Sitting`` of kind SPOTCHECK)."""

    __tablename__ = "spotchecks_inspections"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    regulator_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    enterprise_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_enterprises.id"), index=True)
    inspected_on: so.Mapped[date]
    #: Names of the 执法人员 present (free text, as written on the 执法文书).
    inspectors: so.Mapped[str] = so.mapped_column(sa.String(200))
    #: 执法文书号, e.g. (宁)应急检〔2025〕12号.
    doc_number: so.Mapped[str] = so.mapped_column(sa.String(80))
    template_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("bank_templates.id"))
    #: {"principal": 1, "safety_manager": k, "special_operator": m, "worker": n}
    sample_rule: so.Mapped[dict] = so.mapped_column(sa.JSON)
    seed: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    #: [[person_id, post, employment_type], …] as drawn from: re-running the draw on it proves fairness.
    roster_snapshot: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    #: [{"post", "wanted", "available"}] for posts with fewer people than the rule asked for.
    shortages: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    status: so.Mapped[InspectionState] = so.mapped_column(enum_column(InspectionState), default=InspectionState.OPEN)
    sitting_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exams_sittings.id"))
    closed_at: so.Mapped[datetime | None]
    closed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    enterprise: so.Mapped[Enterprise] = so.relationship()
    regulator = so.relationship("User", foreign_keys=[regulator_id])
    sitting = so.relationship("Sitting")
    tickets: so.Mapped[list[SpotCheckTicket]] = so.relationship(
        back_populates="inspection", order_by="SpotCheckTicket.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status is InspectionState.OPEN

    @property
    def active_tickets(self) -> list[SpotCheckTicket]:
        return [t for t in self.tickets if t.status is not TicketState.VOID]

    def __repr__(self) -> str:
        return f"<Inspection {self.id} {self.doc_number}>"


class SpotCheckTicket(db.Model):
    """A one-time link/QR for one sampled person. Only hashes are looked up; the token is kept encrypted so the
    inspector's screen can show the QR code again after a reload."""

    __tablename__ = "spotchecks_tickets"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    inspection_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("spotchecks_inspections.id"), index=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    #: The post the person was drawn under (a copy: the roster may change later).
    post: so.Mapped[str] = so.mapped_column(sa.String(32))
    employment_type: so.Mapped[str] = so.mapped_column(sa.String(32), default="")
    reason: so.Mapped[TicketReason] = so.mapped_column(enum_column(TicketReason))
    #: sha256 of the URL token (secrets.token_urlsafe(24)).
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    #: Keyed hash of the 6-character short code (the code space is small, so a plain hash would be reversible).
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    #: Fernet(token + " " + code), decrypted only for the inspector's screen.
    secret_enc: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    status: so.Mapped[TicketState] = so.mapped_column(enum_column(TicketState), default=TicketState.ISSUED)
    failed_identity_attempts: so.Mapped[int] = so.mapped_column(default=0)
    #: sha256 of the random device value in the claiming browser's session: a second device is refused.
    claimed_device: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    claimed_at: so.Mapped[datetime | None]
    attempt_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("exams_attempts.id"))
    #: Why this ticket was voided (absent → swapped, reissued after a lock or a lost phone).
    swap_reason: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    #: The ticket this one replaces (swap-in or reissue).
    replaces_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("spotchecks_tickets.id"))
    issued_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # The result, copied from the graded attempt (or 0 / failed when nothing was answered by the deadline).
    answered: so.Mapped[bool] = so.mapped_column(default=False)
    score: so.Mapped[float | None]
    max_score: so.Mapped[float | None]
    passed: so.Mapped[bool | None]
    graded_at: so.Mapped[datetime | None]

    inspection: so.Mapped[Inspection] = so.relationship(back_populates="tickets")
    person: so.Mapped[Person] = so.relationship()
    attempt = so.relationship("Attempt")

    @property
    def is_live(self) -> bool:
        return self.status in (TicketState.ISSUED, TicketState.CLAIMED)

    @property
    def absent(self) -> bool:
        """Graded without ever being started: the person never scanned the code (未参加, not "0 分")."""
        return self.graded_at is not None and not self.answered and self.status is not TicketState.VOID

    @property
    def status_label(self) -> str:
        """What the inspector reads: 未参加 for an absent person once the test is over, else the state's label."""
        return str(_l("未参加")) if self.absent else self.status.label


class Finding(TimestampMixin, db.Model):
    """An item of the inspection's 整改问题清单: a person who failed, to be retrained and re-examined (补考)."""

    __tablename__ = "spotchecks_findings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    inspection_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("spotchecks_inspections.id"), index=True)
    enterprise_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_enterprises.id"), index=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"))
    ticket_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("spotchecks_tickets.id"), unique=True)
    deadline: so.Mapped[date]
    action: so.Mapped[str] = so.mapped_column(sa.String(200))
    status: so.Mapped[FindingState] = so.mapped_column(enum_column(FindingState), default=FindingState.OPEN)
    retraining_assigned_at: so.Mapped[datetime | None]
    makeup_sitting_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("exams_sittings.id"))
    #: The 补考 plan when no sitting could be created (date, place), as the enterprise wrote it.
    makeup_plan: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    closed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    closed_at: so.Mapped[datetime | None]
    #: Set when the regulator closed without a passed 补考 (manual override).
    close_override: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    reject_reason: so.Mapped[str] = so.mapped_column(sa.String(200), default="")

    inspection: so.Mapped[Inspection] = so.relationship()
    person: so.Mapped[Person] = so.relationship()
    ticket: so.Mapped[SpotCheckTicket] = so.relationship()
    makeup_sitting = so.relationship("Sitting")

    #: Which states each state may move to.
    TRANSITIONS = {
        FindingState.OPEN: {FindingState.IN_PROGRESS, FindingState.AWAITING_REVIEW, FindingState.CLOSED},
        FindingState.IN_PROGRESS: {FindingState.AWAITING_REVIEW, FindingState.CLOSED, FindingState.IN_PROGRESS},
        FindingState.AWAITING_REVIEW: {FindingState.CLOSED, FindingState.REJECTED, FindingState.IN_PROGRESS},
        FindingState.REJECTED: {FindingState.IN_PROGRESS, FindingState.AWAITING_REVIEW, FindingState.CLOSED},
        FindingState.CLOSED: set(),
    }

    def move_to(self, state: FindingState) -> None:
        if state not in self.TRANSITIONS[self.status]:
            raise InvalidFindingTransition(f"finding {self.id}: {self.status.value} → {state.value}")
        self.status = state

    def is_overdue(self, today: date) -> bool:
        return self.status is not FindingState.CLOSED and self.deadline < today
