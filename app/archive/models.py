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
    __table_args__ = (
        sa.UniqueConstraint("person_id", "seq"),
        #: Events of one kind in a period (the dashboards' and scores' 学时不足放行): migration 0502.
        sa.Index("ix_archive_events_kind_at", "kind", "at"),
    )

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
    #: Id of the data key that made ``hash`` (``app.core.crypto``); NULL for events from before key ids.
    key_id: so.Mapped[str | None] = so.mapped_column(sa.String(8))


class ArchiveHead(db.Model):
    """The newest event of each person's file, written in the same transaction as that event.

    A chain alone cannot show that its last events (or all of them) were deleted: what is left still verifies.
    The head remembers where the chain ended, signed, so ``verify-archive`` reports a shortened or vanished
    chain. Updated with a conditional ``UPDATE … WHERE seq = <previous>``, never read-modify-write.
    """

    __tablename__ = "archive_heads"

    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), primary_key=True)
    seq: so.Mapped[int]
    hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    key_id: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    #: HMAC of (person, seq, hash) under ``key_id``; NULL for heads filled in by the migration.
    mac: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    #: Indexed: a checkpoint looks for the heads that moved since the previous one (migration 0901).
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)


class ArchiveCheckpoint(db.Model):
    """A signed pin of the heads (Celery beat hourly, ``verify-archive``, each key rotation). Append-only.

    Deleting a head together with its chain, or rolling a head back to an older signed value, is caught by
    comparing the chains with what the checkpoints pinned: every (person, seq, hash) pinned must still be there.

    Two formats. The first (``root`` NULL) copied every head into ``body`` — a row that grew with the population.
    Since migration 0901 a checkpoint pins only the heads that moved since the previous one: their leaf records
    (``app.archive.merkle``) in ``leaves``, and the Merkle ``root`` over them signed in ``mac`` together with the
    previous checkpoint's id and root, so the checkpoints form a chain. Old rows are still read.
    """

    __tablename__ = "archive_checkpoints"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    key_id: so.Mapped[str] = so.mapped_column(sa.String(8))
    #: Heads pinned: every head (first format), the leaves (Merkle format).
    person_count: so.Mapped[int]
    #: Canonical JSON ``{"retired_keys": [...]}``; the first format also holds ``"heads": {person_id: [seq, hash]}``.
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    mac: so.Mapped[str] = so.mapped_column(sa.String(64))
    #: Merkle format: the root (hex) over ``leaves``; NULL for a checkpoint of the first format.
    root: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    #: The checkpoint before this one and its root (its MAC when it is of the first format). Unique: two writers
    #: cannot both continue the same checkpoint.
    previous_id: so.Mapped[int | None] = so.mapped_column(unique=True)
    previous_root: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    #: 44-byte leaf records sorted by person (``merkle.RECORD``); loaded only when asked for.
    leaves: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, deferred=True)


class ArchivePin(db.Model):
    """Where each person's head was last pinned: the checkpoint whose tree holds it, with its seq and hash.

    An index, written with each checkpoint and signed (``mac`` under ``key_id``), so a proof or one person's check
    needs one row rather than every checkpoint. A pin put back to an older signed value hides a cut tail from
    those; the full verification reads the checkpoints themselves.
    """

    __tablename__ = "archive_pins"

    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), primary_key=True)
    checkpoint_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("archive_checkpoints.id"))
    seq: so.Mapped[int]
    hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    key_id: so.Mapped[str] = so.mapped_column(sa.String(8))
    mac: so.Mapped[str] = so.mapped_column(sa.String(64))


class ArchiveVerificationRun(db.Model):
    """One verification of the whole archive: what it covered and what it found. Signed, append-only.

    ``incremental`` (nightly): the events pinned by the checkpoints after the last intact run's
    ``last_checkpoint_id`` (``first_checkpoint_id`` … ``last_checkpoint_id``), each chain re-hashed from its
    previous pin, plus ``chains_sampled`` old chains re-hashed whole. ``full``: every chain from its start.
    """

    __tablename__ = "archive_verification_runs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    mode: so.Mapped[str] = so.mapped_column(sa.String(12))
    started_at: so.Mapped[datetime]
    finished_at: so.Mapped[datetime]
    first_checkpoint_id: so.Mapped[int | None]
    #: The newest checkpoint when the run started: everything it and those before it pinned has been verified.
    last_checkpoint_id: so.Mapped[int | None]
    events_checked: so.Mapped[int]
    chains_checked: so.Mapped[int]
    chains_sampled: so.Mapped[int]
    breaks: so.Mapped[int]
    #: ``intact`` or ``broken``.
    result: so.Mapped[str] = so.mapped_column(sa.String(8))
    #: The first breaks (person, seq, reason); their chains are checked again by the next run.
    detail: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    key_id: so.Mapped[str] = so.mapped_column(sa.String(8))
    mac: so.Mapped[str] = so.mapped_column(sa.String(64))


class ArchiveEpoch(db.Model):
    """A seal over the start of a person's file that was purged past retention: it becomes the chain's new start.

    ``through_seq`` and ``through_hash`` are the last purged event's, so the first event kept (``through_seq + 1``)
    still links to it; ``kinds`` counts the purged events by kind, ``first_at``/``last_at`` their time range.
    ``mac`` = HMAC of all of it under ``key_id``: an epoch nobody with the key wrote does not verify, so removing
    events and claiming a purge still reads as tampering. Append-only; a later purge adds the next epoch.
    """

    __tablename__ = "archive_epochs"
    #: Two purges of one file at once cannot both seal from the same seq (nor to the same one).
    __table_args__ = (sa.UniqueConstraint("person_id", "through_seq"), sa.UniqueConstraint("person_id", "from_seq"))

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_persons.id"), index=True)
    #: First and last seq this epoch seals (the first is the previous epoch's ``through_seq + 1``, or 1).
    from_seq: so.Mapped[int]
    through_seq: so.Mapped[int]
    through_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    #: Canonical JSON ``{kind: count}`` of the purged events.
    kinds: so.Mapped[str] = so.mapped_column(sa.Text)
    count: so.Mapped[int]
    first_at: so.Mapped[datetime]
    last_at: so.Mapped[datetime]
    #: The purge run that sealed it (``app.records``); a plain number, the archive knows no upper table.
    run_id: so.Mapped[int | None]
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    key_id: so.Mapped[str] = so.mapped_column(sa.String(8))
    mac: so.Mapped[str] = so.mapped_column(sa.String(64))


@event.listens_for(ArchiveEvent, "before_update")
@event.listens_for(ArchiveEvent, "before_delete")
@event.listens_for(ArchiveCheckpoint, "before_update")
@event.listens_for(ArchiveCheckpoint, "before_delete")
@event.listens_for(ArchiveHead, "before_delete")
@event.listens_for(ArchiveEpoch, "before_update")
@event.listens_for(ArchiveEpoch, "before_delete")
@event.listens_for(ArchiveVerificationRun, "before_update")
@event.listens_for(ArchiveVerificationRun, "before_delete")
def _refuse_change(mapper, connection, target):
    raise ArchiveTampering(f"{type(target).__name__} {sa.inspect(target).identity} is append-only")
