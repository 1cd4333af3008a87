"""一人一档: the append-only, hash-chained history of each person."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import orm as so

from app.core.db import utcnow
from app.extensions import db


class ArchiveTampering(RuntimeError):
    """Raised when code tries to change or delete an archive event."""


class ArchiveEvent(db.Model):
    """One fact in a person's file. Never updated or deleted.

    ``hash`` = HMAC(chain key, prev_hash + canonical JSON of the other fields); ``seq`` counts from 1 per
    person, and the unique (person_id, seq) key makes two concurrent writers fork-proof: the loser's
    transaction fails instead of creating a second event 5.
    """

    __tablename__ = "archive_events"
    __table_args__ = (sa.UniqueConstraint("person_id", "seq"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    seq: so.Mapped[int]
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    #: Canonical JSON (sorted keys, no spaces). Never holds an ID number in clear.
    payload: so.Mapped[str] = so.mapped_column(sa.Text)
    #: The enterprise the event concerns, if any: an employer sees only its own and neutral events.
    enterprise_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_enterprises.id"))
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    actor_label: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    prev_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    hash: so.Mapped[str] = so.mapped_column(sa.String(64))


@event.listens_for(ArchiveEvent, "before_update")
@event.listens_for(ArchiveEvent, "before_delete")
def _refuse_change(mapper, connection, target):
    raise ArchiveTampering(f"archive event {target.id} is append-only")
