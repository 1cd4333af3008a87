"""Legal holds: an investigation stops the purge for a person or an enterprise. Services flush; views commit.

A hold also keeps the file of a registered photo replaced meanwhile (``app.people.photos.keeps_replaced``, wired in
``app.WIRING``): the purge deletes it once the hold is released (``app.records.purge``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.auth.models import Role, User
from app.core.errors import DomainError
from app.extensions import db
from app.people import photos
from app.people import scope as people_scope
from app.people.models import Employment, Person
from app.records import messages as _messages  # noqa: F401  (registers the hold codes)
from app.records.models import LegalHold

HOLDERS = (Role.ADMIN, Role.REGULATOR)


def held_person_ids(person_ids: list[int]) -> set[int]:
    """Those of ``person_ids`` under an active legal hold: their own, or one on an enterprise that employs or
    employed them."""
    active = LegalHold.released_at.is_(None)
    own = sa.select(LegalHold.person_id).where(active, LegalHold.person_id.in_(person_ids))
    by_enterprise = (
        sa.select(Employment.person_id)
        .join(LegalHold, sa.and_(LegalHold.enterprise_id == Employment.enterprise_id, active))
        .where(Employment.person_id.in_(person_ids))
    )
    return set(db.session.scalars(sa.union(own, by_enterprise)))


def all_held_person_ids() -> list[int]:
    """Everyone under an active legal hold: held themselves, or employed (now or before) by a held enterprise."""
    active = LegalHold.released_at.is_(None)
    own = sa.select(LegalHold.person_id).where(active, LegalHold.person_id.is_not(None))
    by_enterprise = sa.select(Employment.person_id).join(
        LegalHold, sa.and_(LegalHold.enterprise_id == Employment.enterprise_id, active)
    )
    return sorted(set(db.session.scalars(sa.union(own, by_enterprise))))


@photos.keeps_replaced
def _held(person_id: int) -> bool:
    """A held person's replaced photo stays until the hold is released (the purge then deletes it)."""
    return bool(held_person_ids([person_id]))


def holds_query(user: User) -> sa.Select:
    """The holds a user sees: all for the platform admin; a regulator's on persons and enterprises of the region."""
    if user.role is Role.ADMIN:
        return sa.select(LegalHold)
    if user.role is not Role.REGULATOR:
        return sa.select(LegalHold).where(sa.false())
    persons = people_scope.persons_query(user).with_only_columns(Person.id)
    return sa.select(LegalHold).where(
        sa.or_(
            LegalHold.person_id.in_(persons),
            LegalHold.enterprise_id.in_(people_scope.visible_enterprise_ids(user)),
        )
    )


def set_hold(
    actor: User, *, reason: str, now: datetime, person_id: int | None = None, enterprise_id: int | None = None
) -> LegalHold:
    """Hold a person or an enterprise in the actor's reach (404 outside it).

    :raises DomainError: ``hold.reason_required`` without a reason.
    """
    if not reason.strip():
        raise DomainError("hold.reason_required")
    if person_id is not None:
        people_scope.get_person_or_404(actor, person_id)
    else:
        people_scope.get_enterprise_or_404(actor, enterprise_id)
    hold = LegalHold(
        person_id=person_id, enterprise_id=enterprise_id, reason=reason.strip(), set_by_id=actor.id, set_at=now
    )
    db.session.add(hold)
    db.session.flush()
    return hold


def release_hold(actor: User, hold_id: int, *, now: datetime) -> bool:
    """Release an active hold the actor sees (404 otherwise), in one conditional UPDATE: False if already released."""
    hold = db.first_or_404(holds_query(actor).where(LegalHold.id == hold_id))
    table = LegalHold.__table__
    done = db.session.execute(
        sa.update(table)
        .where(table.c.id == hold.id, table.c.released_at.is_(None))
        .values(released_at=now, released_by_id=actor.id)
    )
    return done.rowcount == 1
