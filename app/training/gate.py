"""The hours gate, registered into ``app.exams.gates``: a 资格考试 or 复审考试 admits only candidates whose required
training hours are complete (see :func:`app.training.hours.eligible_for_exam`)."""

from __future__ import annotations

from datetime import date

from app.core.messages import message_for
from app.exams.gates import register_enrolment_gate
from app.extensions import db
from app.people.models import Person
from app.training import hours
from app.training import messages as _messages  # noqa: F401  (registers the training codes)


@register_enrolment_gate
def hours_gate(person_id: int, *, kind: str, post: str, operation_code: str, on: date) -> str | None:
    ok, reason = hours.eligible_for_exam(person_id, post, operation_code, kind, on)
    if ok:
        return None
    person = db.session.get(Person, person_id)
    params = {key: value for key, value in reason.items() if key != "code"}
    return message_for(reason["code"], {"name": person.name if person else str(person_id), **params})
