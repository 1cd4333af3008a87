"""The hours gates training registers into ``app.exams.gates``:

- before a 资格考试 or 复审考试, a candidate's required training hours must be complete (see
  :func:`app.training.hours.eligible_for_exam`); the organiser may admit them anyway with an override of substance;
- 逢培必考: the class exam (and its 补考) opens for a trainee when their hours in the class are complete, unless the
  class lets its trainees sit it earlier (``TrainingClass.exam_before_hours``, shown to the regulator).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.messages import message_for
from app.exams.gates import register_enrolment_gate, register_start_gate
from app.exams.models import ExamKind
from app.extensions import db
from app.people.models import Person
from app.training import hours
from app.training import messages as _messages  # noqa: F401  (registers the training codes)
from app.training.models import TrainingClass


@register_enrolment_gate
def hours_gate(person_id: int, *, kind: str, post: str, operation_code: str, on: date) -> str | None:
    ok, reason = hours.eligible_for_exam(person_id, post, operation_code, kind, on)
    if ok:
        return None
    person = db.session.get(Person, person_id)
    params = {key: value for key, value in reason.items() if key != "code"}
    return message_for(reason["code"], {"name": person.name if person else str(person_id), **params})


def class_of_exam(sitting) -> TrainingClass | None:
    """The class whose exam ``sitting`` is (or whose exam it makes up for), if any."""
    if sitting.kind is not ExamKind.CLASS and sitting.makeup_of_id is None:
        return None
    exam_ids = {sitting.id, sitting.makeup_of_id} - {None}
    return db.session.scalar(sa.select(TrainingClass).where(TrainingClass.exam_sitting_id.in_(exam_ids)))


@register_start_gate
def class_exam_gate(sitting, person_id: int, now: datetime) -> str | None:
    """逢培必考 after the hours: why the trainee may not start the class exam yet, or None."""
    training_class = class_of_exam(sitting)
    if training_class is None or training_class.exam_before_hours:
        return None
    done = hours.class_hours(person_id, training_class)
    if done + 1e-9 >= training_class.required_hours:
        return None
    done_text, required_text = f"{done:g}", f"{training_class.required_hours:g}"
    return _("学时未满，暂不能参加班次考试：已获 %(done)s / %(required)s 学时", done=done_text, required=required_text)
