"""An institution's 学员: who it may see and examine. Training classes enrol through :func:`add_trainee`; an
employer may also send its staff to an institution directly."""

from __future__ import annotations

from app.archive.services import record_event
from app.core.db import insert_on_conflict
from app.extensions import db
from app.people.models import Person, Trainee
from app.tenancy.models import TrainingInstitution


def add_trainee(institution: TrainingInstitution, person: Person, *, source: str, actor) -> bool:
    """Record that ``institution`` trains ``person`` (idempotent); True when this call added it. An archive event
    tells the person's file that this institution may now see it."""
    added = db.session.execute(
        insert_on_conflict(db.session, Trainee)
        .values(institution_id=institution.id, person_id=person.id, source=source[:60])
        .on_conflict_do_nothing(index_elements=["institution_id", "person_id"])
        .returning(Trainee.id)
    ).first()
    if added is not None:
        record_event(person.id, "person.trainee", {"institution": institution.name, "source": source}, actor=actor)
    return added is not None
