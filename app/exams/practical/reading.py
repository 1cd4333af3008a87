"""Reads for the 实操 pages: a sitting's candidates, a person's practicals, the theory passes to admit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.exams.models import Attempt, AttemptState, Sitting
from app.exams.practical.models import PracticalAttempt, PracticalSignature, PracticalSitting
from app.exams.practical.outcomes import PracticalOutcome, attempts_allowed, outcome
from app.exams.practical.validity import THEORY_KINDS, theory_pass
from app.extensions import db
from app.people.models import Person


@dataclass(frozen=True)
class CandidateRow:
    attempt: PracticalAttempt
    signatures: list[PracticalSignature]
    outcome: PracticalOutcome
    attempts_allowed: int


def candidate_rows(sitting: PracticalSitting, today: date) -> list[CandidateRow]:
    """The sitting's candidates with their signatures and what each result means, by name."""
    attempts = db.session.scalars(
        sa.select(PracticalAttempt)
        .join(Person, Person.id == PracticalAttempt.person_id)
        .where(PracticalAttempt.sitting_id == sitting.id)
        .order_by(Person.name, Person.id)
    ).all()
    signed: dict[int, list[PracticalSignature]] = {a.id: [] for a in attempts}
    for s in db.session.scalars(
        sa.select(PracticalSignature)
        .where(PracticalSignature.attempt_id.in_(list(signed)))
        .order_by(PracticalSignature.signed_at, PracticalSignature.id)
    ):
        signed[s.attempt_id].append(s)
    return [CandidateRow(a, signed[a.id], outcome(a, today), attempts_allowed(a)) for a in attempts]


def my_practicals(person_id: int, today: date) -> list[CandidateRow]:
    """The person's practical attempts, newest exam day first (the candidate's exam list)."""
    attempts = db.session.scalars(
        sa.select(PracticalAttempt)
        .where(PracticalAttempt.person_id == person_id)
        .order_by(PracticalAttempt.exam_on.desc(), PracticalAttempt.id.desc())
    ).all()
    return [CandidateRow(a, [], outcome(a, today), attempts_allowed(a)) for a in attempts]


def theory_candidates(operation_code: str, on: date, person_ids: sa.Select) -> list[tuple[Person, Attempt]]:
    """Persons among ``person_ids`` (a SELECT of person ids) with a theory pass of ``operation_code`` valid on
    ``on``, with that pass: the choices of the enrolment form (the limits are checked on enrolment)."""
    passed = (
        sa.select(Attempt.person_id)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(
            Attempt.state == AttemptState.GRADED,
            Attempt.passed.is_(True),
            Sitting.operation_code == operation_code,
            THEORY_KINDS,
        )
    )
    persons = db.session.scalars(
        sa.select(Person)
        .where(Person.id.in_(passed), Person.id.in_(person_ids))
        .order_by(Person.name, Person.id)
        .limit(500)
    ).all()
    out = []
    for person in persons:
        theory = theory_pass(person.id, operation_code, on)
        if theory is not None:
            out.append((person, theory))
    return out
