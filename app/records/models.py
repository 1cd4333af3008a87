"""Legal holds and purge runs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db
from app.people.models import Person
from app.tenancy.models import Enterprise


class LegalHold(db.Model):
    """An investigation stops purging: for one person, or for everyone ever employed by one enterprise.

    Set by the platform admin or a regulator of the region, with a reason; released (never deleted) the same way.
    While ``released_at`` is NULL the nightly purge skips the person(s) and counts them in its report.
    """

    __tablename__ = "records_legal_holds"
    __table_args__ = (
        sa.CheckConstraint("(person_id IS NULL) <> (enterprise_id IS NULL)", name="one_subject"),
        sa.Index("ix_records_legal_holds_active", "released_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    person_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    enterprise_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_enterprises.id"), index=True)
    reason: so.Mapped[str] = so.mapped_column(sa.String(200))
    set_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    set_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    released_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    released_at: so.Mapped[datetime | None]

    person: so.Mapped[Person | None] = so.relationship()
    enterprise: so.Mapped[Enterprise | None] = so.relationship()
    set_by: so.Mapped[User] = so.relationship(foreign_keys=[set_by_id])


class PurgeRun(db.Model):
    """One run of the purge job: what it removed, and whom it skipped because of a legal hold.

    The counters move with ``UPDATE … SET n = n + :batch`` after each committed batch, so a run that dies midway
    still tells what it did."""

    __tablename__ = "records_purge_runs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    finished_at: so.Mapped[datetime | None]
    persons_purged: so.Mapped[int] = so.mapped_column(default=0)
    events_purged: so.Mapped[int] = so.mapped_column(default=0)
    snapshots_purged: so.Mapped[int] = so.mapped_column(default=0)
    held_skipped: so.Mapped[int] = so.mapped_column(default=0)
    #: Registered photos deleted (retention ended, or consent withdrawn with nothing depending on them).
    photos_purged: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    #: 查阅记录 rows past ``retention.access_log_years``.
    access_log_purged: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    #: ``{kind: count}`` of what was purged (archive event kinds, ``snapshot.lesson``/``snapshot.exam`` rows,
    #: ``photo`` and ``access_log``).
    kinds: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    #: Ids of the persons skipped for a hold (the report names them).
    held_person_ids: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
