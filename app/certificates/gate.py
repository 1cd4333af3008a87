"""The fraud bar at the exam door, registered into ``app.exams.gates``: a person whose certificate of an item was
撤销 for fraud or false records (30号令 第三十条) is not admitted to that item's 资格考试 for ``cert.fraud_ban_years``
— the same test issuing applies (:func:`app.certificates.issuing.eligibility.fraud_ban_until`)."""

from __future__ import annotations

from datetime import date

from app.certificates.issuing import eligibility
from app.certificates.issuing.subjects import Subject
from app.certificates.models import CertKind
from app.core.messages import message_for
from app.exams.gates import register_enrolment_gate
from app.extensions import db
from app.people.models import Person, Post
from app.rules.queries import operation_name


@register_enrolment_gate
def fraud_gate(person_id: int, *, kind: str, post: str, operation_code: str, on: date) -> str | None:
    if kind != "qualification":
        return None
    person = db.session.get(Person, person_id)
    if person is None:
        return None
    subjects = []
    if operation_code:
        category = operation_code.split(".")[0]
        subjects.append(
            Subject(
                CertKind.SPECIAL_OPERATOR,
                category,
                operation_name(category),
                operation_code,
                operation_name(operation_code),
            )
        )
    elif post in (Post.PRINCIPAL.value, Post.SAFETY_MANAGER.value):
        for employment in person.current_employments:
            industry = employment.enterprise.industry.value
            subjects.append(Subject(CertKind.MANAGER, post, "", industry, ""))
    for subject in subjects:
        until = eligibility.fraud_ban_until(person, subject, on)
        if until is not None:
            return message_for("gate.fraud_banned", {"name": person.name, "until": until.isoformat()})
    return None
