"""The regulator's view: rollups behind the dashboards, complaints and their record events, 退出 recommendations,
institution scores and their published rankings, and the alerts of the bell."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm as so

from app.auth.models import User
from app.core.db import TimestampMixin, utcnow
from app.core.enums import LabelledEnum, enum_column
from app.extensions import db
from app.people.models import Person
from app.tenancy.models import Enterprise, TrainingInstitution

# ---------------------------------------------------------------- rollups (app/dashboards/rollups.py)


class Rollup(db.Model):
    """One figure of one enterprise for one month: ``num`` of ``den`` (a rate) or ``num`` alone (a count, ``den`` 0).

    ``dim`` splits a metric where its tile breaks it down (the enterprise's industry, an exam's subject). Event
    metrics (exams, 逢查必考) are kept per month of the event; state metrics (持证上岗, certificates due) per month
    of the refresh that counted them, so each month keeps the last value counted in it (the trend)."""

    __tablename__ = "dash_rollups"
    __table_args__ = (
        sa.UniqueConstraint("enterprise_id", "metric", "dim", "month"),
        sa.Index("ix_dash_rollups_metric_month_region", "metric", "month", "region_code"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    enterprise_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_enterprises.id"))
    #: A copy of the enterprise's 行政区划 code (the region rollup groups by it).
    region_code: so.Mapped[str] = so.mapped_column(sa.String(6))
    metric: so.Mapped[str] = so.mapped_column(sa.String(40))
    dim: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    #: The first day of the month.
    month: so.Mapped[date]
    num: so.Mapped[int] = so.mapped_column(default=0)
    den: so.Mapped[int] = so.mapped_column(default=0)
    computed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class RegionRollup(db.Model):
    """The sum of :class:`Rollup` over the enterprises of one 行政区划 code: what province, city and district tiles
    add up (a province sums about a hundred rows, not two hundred thousand)."""

    __tablename__ = "dash_region_rollups"
    __table_args__ = (
        sa.UniqueConstraint("region_code", "metric", "dim", "month"),
        sa.Index("ix_dash_region_rollups_metric_month", "metric", "month"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    region_code: so.Mapped[str] = so.mapped_column(sa.String(6))
    metric: so.Mapped[str] = so.mapped_column(sa.String(40))
    dim: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    month: so.Mapped[date]
    num: so.Mapped[int] = so.mapped_column(default=0)
    den: so.Mapped[int] = so.mapped_column(default=0)
    enterprises: so.Mapped[int] = so.mapped_column(default=0)


class RefreshRun(db.Model):
    """One refresh of the rollups: ``full`` (nightly, every enterprise) or ``changed`` (those touched since the last
    run). ``as_of`` is the day the state metrics were counted on; ``mismatches`` what the recount check found."""

    __tablename__ = "dash_refresh_runs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(12))
    as_of: so.Mapped[date]
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    finished_at: so.Mapped[datetime | None]
    enterprises: so.Mapped[int] = so.mapped_column(default=0)
    rows: so.Mapped[int] = so.mapped_column(default=0)
    checked: so.Mapped[int | None]
    mismatches: so.Mapped[int | None]


# ---------------------------------------------------------------- complaints (app/dashboards/complaints.py)


class ComplaintSource(LabelledEnum):
    HOTLINE = "hotline", _l("12345热线")
    PETITION = "petition", _l("信访")
    REPORT = "report", _l("举报")


class Verdict(LabelledEnum):
    PENDING = "pending", _l("处理中")
    SUBSTANTIATED = "substantiated", _l("属实")
    UNSUBSTANTIATED = "unsubstantiated", _l("不属实")


class Complaint(TimestampMixin, db.Model):
    """A complaint about a training institution or an enterprise, recorded by a regulator (12345, 信访, 举报), with
    its verdict. Each step is an event on the subject's record (:class:`RecordEvent`)."""

    __tablename__ = "dash_complaints"
    __table_args__ = (sa.CheckConstraint("(institution_id IS NULL) <> (enterprise_id IS NULL)", name="one_subject"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    institution_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_institutions.id"), index=True)
    enterprise_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_enterprises.id"), index=True)
    #: The subject's 行政区划 code: which regulators see it.
    region_code: so.Mapped[str] = so.mapped_column(sa.String(6), index=True)
    source: so.Mapped[ComplaintSource] = so.mapped_column(enum_column(ComplaintSource))
    received_on: so.Mapped[date]
    #: What was complained of, as the regulator summarised it (no complainant's details).
    summary: so.Mapped[str] = so.mapped_column(sa.Text)
    verdict: so.Mapped[Verdict] = so.mapped_column(enum_column(Verdict), default=Verdict.PENDING)
    decided_on: so.Mapped[date | None]
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))

    institution: so.Mapped[TrainingInstitution | None] = so.relationship()
    enterprise: so.Mapped[Enterprise | None] = so.relationship()
    recorded_by: so.Mapped[User | None] = so.relationship()
    documents: so.Mapped[list[ComplaintDocument]] = so.relationship(
        back_populates="complaint", order_by="ComplaintDocument.id"
    )

    @property
    def subject_name(self) -> str:
        return self.institution.name if self.institution else self.enterprise.name if self.enterprise else ""


class ComplaintDocument(db.Model):
    """A file kept with a complaint (the 工单, a 调查 report): stored privately, streamed after the scope check."""

    __tablename__ = "dash_complaint_documents"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    complaint_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("dash_complaints.id"), index=True)
    storage_key: so.Mapped[str] = so.mapped_column(sa.String(200))
    file_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    content_type: so.Mapped[str] = so.mapped_column(sa.String(80))
    size: so.Mapped[int]
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    uploaded_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    complaint: so.Mapped[Complaint] = so.relationship(back_populates="documents")


class RecordEvent(db.Model):
    """One line of an institution's (or enterprise's) supervision record: a complaint recorded or decided, a ranking
    withheld or released, a ranking published with its place. Append-only."""

    __tablename__ = "dash_record_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    institution_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_institutions.id"), index=True)
    enterprise_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_enterprises.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(30))
    complaint_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("dash_complaints.id"))
    detail: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    actor: so.Mapped[User | None] = so.relationship()


# ---------------------------------------------------------------- 退出 recommendations (app/dashboards/exits.py)


class ExitState(LabelledEnum):
    OPEN = "open", _l("待处理")
    ACTING = "acting", _l("处理中")
    CLOSED = "closed", _l("已办结")


class ExitAction(LabelledEnum):
    TRANSFER = "transfer", _l("调离岗位")
    RETRAIN = "retrain", _l("重新培训并补考")


class ExitRecommendation(db.Model):
    """准入/退出: a person who failed 逢查必考 ``exit.spotcheck_failures`` times within ``exit.window_months`` gets a
    recommendation to the enterprise of the last failure — 调离岗位, or retrain and retest — tracked until a
    regulator closes it. One per failure that completed the count (``second_ticket_id``)."""

    __tablename__ = "dash_exit_recommendations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    enterprise_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_enterprises.id"), index=True)
    first_ticket_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("spotchecks_tickets.id"))
    second_ticket_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("spotchecks_tickets.id"), unique=True)
    #: The day of the failure that completed the count.
    failed_on: so.Mapped[date]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    state: so.Mapped[ExitState] = so.mapped_column(enum_column(ExitState), default=ExitState.OPEN)
    action: so.Mapped[ExitAction | None] = so.mapped_column(enum_column(ExitAction))
    action_note: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    acted_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    acted_at: so.Mapped[datetime | None]
    close_note: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    closed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    closed_at: so.Mapped[datetime | None]

    person: so.Mapped[Person] = so.relationship()
    enterprise: so.Mapped[Enterprise] = so.relationship()


# ---------------------------------------------------------------- 动态积分 and 排名 (app/dashboards/ranking.py)


class InstitutionScore(db.Model):
    """An institution's 动态积分 for one month (the 12 months ending with it), with every component counted and the
    points each gave: what the institution is shown and the ranking is made of. One row per institution and month,
    recomputed while the month runs, kept afterwards."""

    __tablename__ = "dash_institution_scores"
    __table_args__ = (sa.UniqueConstraint("institution_id", "month"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    institution_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_institutions.id"))
    month: so.Mapped[date]
    score: so.Mapped[float]
    #: Enough first attempts to be ranked (``ranking.min_first_attempts``).
    eligible: so.Mapped[bool]
    components: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    computed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    institution: so.Mapped[TrainingInstitution] = so.relationship()


class Ranking(db.Model):
    """A published monthly ranking (排名公告) of the institutions of a region: frozen entries, never changed."""

    __tablename__ = "dash_rankings"
    __table_args__ = (sa.UniqueConstraint("region_code", "month"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    region_code: so.Mapped[str] = so.mapped_column(sa.String(6))
    region_name: so.Mapped[str] = so.mapped_column(sa.String(100))
    authority: so.Mapped[str] = so.mapped_column(sa.String(120))
    month: so.Mapped[date]
    published_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    published_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    #: Institutions left out because they are under review (counted, not named).
    withheld: so.Mapped[int] = so.mapped_column(default=0)

    entries: so.Mapped[list[RankingEntry]] = so.relationship(back_populates="ranking", order_by="RankingEntry.id")


class RankingEntry(db.Model):
    """One institution's line in a published ranking: its name and figures as they were (no person's data)."""

    __tablename__ = "dash_ranking_entries"
    __table_args__ = (sa.UniqueConstraint("ranking_id", "institution_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ranking_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("dash_rankings.id"), index=True)
    institution_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_institutions.id"))
    institution_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    #: None: too few first attempts to be ranked (listed apart).
    rank: so.Mapped[int | None]
    score: so.Mapped[float]
    components: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)

    ranking: so.Mapped[Ranking] = so.relationship(back_populates="entries")


class RankingHold(db.Model):
    """An institution under review, withheld from publication until a regulator lifts the hold."""

    __tablename__ = "dash_ranking_holds"
    __table_args__ = (
        sa.Index(
            "ux_dash_ranking_holds_open",
            "institution_id",
            unique=True,
            sqlite_where=sa.text("lifted_at IS NULL"),
            postgresql_where=sa.text("lifted_at IS NULL"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    institution_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_institutions.id"))
    reason: so.Mapped[str] = so.mapped_column(sa.String(300))
    held_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    held_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    lifted_at: so.Mapped[datetime | None]
    lifted_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))


# ---------------------------------------------------------------- the bell (app/dashboards/alerts.py)


class Alert(db.Model):
    """An alert in one user's bell, beside the certificate reminders (``app.certificates.models.Notice``): a finding
    due, a 退出 recommendation, a flagged snapshot, staff short of hours, an import finished. Written once per user,
    kind and ``ref`` (the thing and, where it recurs, its date), however often the collector runs."""

    __tablename__ = "dash_alerts"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "ref"),
        sa.Index("ix_dash_alerts_user_unread", "user_id", "read_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    ref: so.Mapped[str] = so.mapped_column(sa.String(80))
    #: What the line says (names, counts, dates), rendered in the reader's language by ``alerts.wording``.
    params: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    link: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    due_on: so.Mapped[date | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    read_at: so.Mapped[datetime | None]
