"""An institution invites an enterprise of its province to a class; the enterprise then applies for its staff."""

from __future__ import annotations

from datetime import date, datetime

from app.core.clock import utcnow
from app.core.db import insert_on_conflict
from app.core.errors import DomainError
from app.extensions import db
from app.people.scope import invitable_enterprises_query
from app.tenancy.models import Enterprise
from app.training import scope as training_scope
from app.training.enrolment.picking import check_open
from app.training.models import ClassInvitation, TrainingClass


def invite(
    training_class: TrainingClass, enterprise_id: int, *, actor, note: str = "", now: datetime | None = None
) -> bool:
    """An institution invites an enterprise of its province to send staff; True when the invitation is new.

    :raises DomainError: ``enrolment.not_reviewer`` (403) unless the institution runs the class, ``class.ended``,
        ``enrolment.no_such_enterprise`` (404) for an enterprise it may not invite.
    """
    now = now or utcnow()
    if not training_scope.can_decide_applications(actor, training_class):
        raise DomainError("enrolment.not_reviewer", http_status=403)
    check_open(training_class, now)
    enterprise = db.session.scalars(invitable_enterprises_query(actor).where(Enterprise.id == enterprise_id)).first()
    if enterprise is None:
        raise DomainError("enrolment.no_such_enterprise", http_status=404)
    made = db.session.execute(
        insert_on_conflict(db.session, ClassInvitation)
        .values(
            class_id=training_class.id,
            enterprise_id=enterprise.id,
            invited_by_id=actor.id,
            invited_at=now,
            note=(note or "").strip()[:200],
        )
        .on_conflict_do_nothing(index_elements=["class_id", "enterprise_id"])
        .returning(ClassInvitation.id)
    ).first()
    return made is not None


def invitations_for(user, *, today: date | None = None) -> list[ClassInvitation]:
    """Invitations ``user`` sees (an enterprise: those it received), newest first."""
    return db.session.scalars(
        training_scope.invitations_query(user).order_by(ClassInvitation.invited_at.desc(), ClassInvitation.id.desc())
    ).all()
