"""报名申请 and 报名审核: an enterprise applies for its current staff to an institution's class; the institution
accepts (enrolling the person, who becomes its 学员) or refuses with a reason. Each state change is one conditional
statement (``INSERT … ON CONFLICT DO UPDATE … WHERE``, ``UPDATE … WHERE state = 'pending' RETURNING``), so a double
click or two reviewers decide once. Functions flush; the view commits."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.archive.services import record_event
from app.core.clock import utcnow
from app.core.db import conditional_update, insert_on_conflict
from app.core.errors import DomainError
from app.extensions import db
from app.tenancy.models import Enterprise
from app.training import classes
from app.training import scope as training_scope
from app.training.enrolment.picking import check_open, check_pickable
from app.training.models import ApplicationState, Enrolment, EnrolmentApplication, TrainingClass


def apply(training_class: TrainingClass, person_ids, *, actor, now: datetime | None = None) -> int:
    """报名申请 of the enterprise ``actor`` for these staff; returns how many applications are new (or made again
    after a refusal or withdrawal). Enrolled staff and applications in progress are skipped.

    :raises DomainError: ``enrolment.not_applicant`` (403), ``class.ended``, ``class.not_enrolable`` (403).
    """
    now = now or utcnow()
    if not training_scope.can_apply(actor, training_class):
        raise DomainError("enrolment.not_applicant", http_status=403)
    check_open(training_class, now)
    person_ids = list(dict.fromkeys(person_ids))
    check_pickable(actor, training_class, person_ids)
    enrolled = set(db.session.scalars(sa.select(Enrolment.person_id).where(Enrolment.class_id == training_class.id)))
    enterprise = db.session.get(Enterprise, actor.enterprise_id)
    made = 0
    for person_id in person_ids:
        if person_id in enrolled:
            continue
        values = {
            "state": ApplicationState.PENDING,
            "applied_by_id": actor.id,
            "applied_at": now,
            "enterprise_id": enterprise.id,
            "decided_by_id": None,
            "decided_at": None,
            "note": "",
        }
        stmt = insert_on_conflict(db.session, EnrolmentApplication).values(
            class_id=training_class.id, person_id=person_id, **values
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["class_id", "person_id"],
            set_=values,
            where=EnrolmentApplication.state.in_((ApplicationState.REFUSED, ApplicationState.WITHDRAWN)),
        )
        if db.session.execute(stmt.returning(EnrolmentApplication.id)).first() is None:
            continue  # pending or accepted already
        record_event(
            person_id,
            "training.applied",
            classes.class_facts(training_class) | {"enterprise": enterprise.name},
            actor=actor,
            enterprise_id=enterprise.id,
            at=now,
        )
        made += 1
    db.session.flush()
    return made


def _decided(training_class: TrainingClass, application_ids, state: ApplicationState, *, actor, note: str, now):
    """Pending applications of the class among ``application_ids`` moved to ``state``, each once: (person id,
    enterprise id) of those this call decided."""
    rows = db.session.execute(
        conditional_update(EnrolmentApplication)
        .where(
            EnrolmentApplication.id.in_(list(application_ids)),
            EnrolmentApplication.class_id == training_class.id,
            EnrolmentApplication.state == ApplicationState.PENDING,
        )
        .values(state=state, decided_by_id=actor.id, decided_at=now, note=note[:200])
        .returning(EnrolmentApplication.person_id, EnrolmentApplication.enterprise_id)
    ).all()
    return [(row.person_id, row.enterprise_id) for row in rows]


def accept(training_class: TrainingClass, application_ids, *, actor, now: datetime | None = None) -> int:
    """报名审核: accept pending applications; the persons are enrolled (``training.enrolled`` via application).
    Returns how many this call accepted (a second click or a second reviewer accepts none).

    :raises DomainError: ``enrolment.not_reviewer`` (403).
    """
    now = now or utcnow()
    if not training_scope.can_decide_applications(actor, training_class):
        raise DomainError("enrolment.not_reviewer", http_status=403)
    decided = _decided(training_class, application_ids, ApplicationState.ACCEPTED, actor=actor, note="", now=now)
    classes.enrol(training_class, [person_id for person_id, _enterprise in decided], actor=actor, via="application")
    return len(decided)


def refuse(training_class: TrainingClass, application_ids, *, actor, note: str, now: datetime | None = None) -> int:
    """报名审核: refuse pending applications, with the reason the enterprise (and the person's file) is told.

    :raises DomainError: ``enrolment.refusal_note``, ``enrolment.not_reviewer`` (403).
    """
    now = now or utcnow()
    note = (note or "").strip()
    if not note:
        raise DomainError("enrolment.refusal_note", http_status=400)
    if not training_scope.can_decide_applications(actor, training_class):
        raise DomainError("enrolment.not_reviewer", http_status=403)
    decided = _decided(training_class, application_ids, ApplicationState.REFUSED, actor=actor, note=note, now=now)
    names = dict(db.session.execute(sa.select(Enterprise.id, Enterprise.name)).all()) if decided else {}
    for person_id, enterprise_id in decided:
        record_event(
            person_id,
            "training.application_refused",
            classes.class_facts(training_class) | {"enterprise": names.get(enterprise_id, ""), "note": note},
            actor=actor,
            enterprise_id=enterprise_id,
            at=now,
        )
    return len(decided)


def withdraw(application: EnrolmentApplication, *, actor, now: datetime | None = None) -> None:
    """The enterprise takes back a pending application.

    :raises DomainError: ``enrolment.not_pending``.
    """
    now = now or utcnow()
    won = db.session.execute(
        conditional_update(EnrolmentApplication)
        .where(
            EnrolmentApplication.id == application.id,
            EnrolmentApplication.enterprise_id == actor.enterprise_id,
            EnrolmentApplication.state == ApplicationState.PENDING,
        )
        .values(state=ApplicationState.WITHDRAWN, decided_by_id=actor.id, decided_at=now)
        .returning(EnrolmentApplication.id)
    ).first()
    if won is None:
        raise DomainError("enrolment.not_pending")
    db.session.refresh(application)
    record_event(
        application.person_id,
        "training.application_withdrawn",
        classes.class_facts(application.training_class) | {"enterprise": application.enterprise.name},
        actor=actor,
        enterprise_id=application.enterprise_id,
        at=now,
    )


def applications_of(training_class: TrainingClass, user) -> list[EnrolmentApplication]:
    """The class's applications ``user`` sees (the institution all, an enterprise its own), pending first."""
    pending_first = sa.case((EnrolmentApplication.state == ApplicationState.PENDING, 0), else_=1)
    return db.session.scalars(
        training_scope.applications_query(user)
        .where(EnrolmentApplication.class_id == training_class.id)
        .order_by(pending_first, EnrolmentApplication.applied_at, EnrolmentApplication.id)
    ).all()
