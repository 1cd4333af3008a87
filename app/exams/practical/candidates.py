"""Candidates of a 实操 sitting, admitted on a passed theory exam; withdrawing one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app.auth.models import User
from app.core.db import insert_on_conflict, utcnow
from app.core.errors import DomainError
from app.exams.models import Attempt
from app.exams.practical.models import PracticalAttempt, PracticalSitting
from app.exams.practical.outcomes import EXHAUSTED, outcome
from app.exams.practical.validity import passed_practical, theory_pass
from app.extensions import db
from app.people.models import Person
from app.rules.queries import operation_name, rule_value


@dataclass(frozen=True)
class Admission:
    """Why a person may sit a practical sitting: the theory pass it rests on and the attempt's number on it."""

    person_id: int
    theory: Attempt
    attempt_no: int
    limit: int


def admission(sitting: PracticalSitting, person_id: int) -> Admission:
    """Check that ``person_id`` may sit ``sitting``: a theory pass of its 操作项目 valid on the exam day, no valid
    practical pass yet, and an attempt left on that theory pass (``exam.practical.attempts`` on the exam day).

    :raises DomainError: ``practical.no_theory``, ``practical.already_passed``, ``practical.no_attempts_left``
        (each naming the person).
    """
    person = db.session.get(Person, person_id)
    name = person.name if person else str(person_id)
    code, day = sitting.operation_code, sitting.exam_on
    theory = theory_pass(person_id, code, day)
    if theory is None:
        raise DomainError("practical.no_theory", name=name, operation=f"{code} {operation_name(code)}", date=day)
    if passed_practical(person_id, code, day) is not None:
        raise DomainError("practical.already_passed", name=name)
    last = db.session.scalars(
        sa.select(PracticalAttempt)
        .where(PracticalAttempt.person_id == person_id, PracticalAttempt.theory_attempt_id == theory.id)
        .order_by(PracticalAttempt.attempt_no.desc())
    ).first()
    number = (last.attempt_no if last else 0) + 1
    limit = int(rule_value("exam.practical.attempts", region_code=sitting.region_code, on=day))
    if number > limit:
        consequence = outcome(last, day) if last.is_graded else None
        raise DomainError(
            "practical.no_attempts_left",
            name=name,
            limit=limit,
            consequence=consequence.label if consequence in EXHAUSTED else _("须先完成已报名的实操考试"),
        )
    return Admission(person_id, theory, number, limit)


def add_candidates(sitting: PracticalSitting, person_ids: Iterable[int], *, actor: User | None) -> int:
    """Enrol candidates, all or none: each is checked by :func:`admission`, and a refusal of any names every refused
    candidate with the reason. Already enrolled persons are skipped. :return: how many were added.

    The numbers are unique per (person, theory pass) in the database, so two sittings enrolling the same person at
    once cannot both take the last attempt: the second gets ``practical.enrol_conflict``.

    :raises DomainError: ``practical.no_candidates``, ``practical.not_eligible``, ``practical.enrol_conflict``.
    """
    enrolled = set(
        db.session.scalars(sa.select(PracticalAttempt.person_id).where(PracticalAttempt.sitting_id == sitting.id))
    )
    new = [pid for pid in dict.fromkeys(int(p) for p in person_ids) if pid not in enrolled]
    if not new:
        raise DomainError("practical.no_candidates", http_status=400)
    admitted, refused = [], []
    for person_id in new:
        try:
            admitted.append(admission(sitting, person_id))
        except DomainError as exc:
            refused.append(exc.message)
    if refused:
        raise DomainError("practical.not_eligible", reasons="；".join(refused))
    now = utcnow()
    for a in admitted:
        stored = db.session.execute(
            insert_on_conflict(db.session, PracticalAttempt)
            .values(
                sitting_id=sitting.id,
                person_id=a.person_id,
                operation_code=sitting.operation_code,
                exam_on=sitting.exam_on,
                theory_attempt_id=a.theory.id,
                attempt_no=a.attempt_no,
                signatures=0,
                added_at=now,
                added_by_id=actor.id if actor else None,
            )
            .on_conflict_do_nothing()
            .returning(PracticalAttempt.id)
        ).first()
        if stored is None:
            raise DomainError("practical.enrol_conflict")
    return len(admitted)


def withdraw(attempt: PracticalAttempt, reason: str) -> None:
    """Take a candidate off a sitting (enrolled by mistake, or never came and should not use up an attempt): only
    while no examiner has signed. One conditional ``DELETE``.

    :raises DomainError: ``practical.withdraw_reason`` (a reason is required), ``practical.has_signatures``.
    """
    if not (reason or "").strip():
        raise DomainError("practical.withdraw_reason", http_status=400)
    gone = db.session.execute(
        sa.delete(PracticalAttempt)
        .where(
            PracticalAttempt.id == attempt.id,
            PracticalAttempt.signatures == 0,
            PracticalAttempt.graded_at.is_(None),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if gone != 1:
        raise DomainError("practical.has_signatures")
    db.session.expunge(attempt)
