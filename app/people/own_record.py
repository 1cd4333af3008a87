"""The person's own record (个人信息保护法 第四十五条、第四十六条): downloads of the 一人一档, 更正申请, and the
confirmation of a new employer (until then it sees little of the person: ``app.people.scope.sees_full_record``).

Each download, request and answer is an event of the person's archive chain, written in the same transaction.
Services flush; the views commit.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.archive.services import record_event
from app.core.errors import DomainError
from app.extensions import db
from app.people.models import CorrectionField, CorrectionState, Employment, Person, RecordCorrection
from app.tenancy.models import Enterprise


def record_download(person: Person, fmt: str, *, actor, now: datetime) -> None:
    """The person downloaded their own record as ``fmt`` (``pdf`` or ``json``)."""
    record_event(person.id, "person.record_downloaded", {"format": fmt}, actor=actor, at=now)


def confirm_employment(employment, *, actor, now: datetime, in_person: bool) -> bool:
    """Confirm a pending employment, once (a conditional UPDATE): by the person, or by the authority in person
    (``in_person``). Returns False when it was confirmed already. An archive event of the employer's."""
    table = Employment.__table__
    row = db.session.execute(
        sa.update(table)
        .where(table.c.id == employment.id, table.c.confirmed_at.is_(None))
        .values(confirmed_at=now)
        .returning(table.c.id)
    ).first()
    if row is None:
        return False
    db.session.expire(employment)
    record_event(
        employment.person_id,
        "employment.confirmed",
        {"enterprise": employment.enterprise.name, "by": "authority" if in_person else "person"},
        actor=actor,
        enterprise_id=employment.enterprise_id,
        at=now,
    )
    return True


def request_correction(
    person: Person,
    field: CorrectionField,
    wrong: str,
    proposed: str,
    *,
    enterprise: Enterprise | None,
    actor,
    now: datetime,
) -> RecordCorrection:
    """A person's 更正申请, to ``enterprise`` (one of their current employers) or, with None, to the authority.

    :raises DomainError: ``correction.addressee`` when ``enterprise`` does not employ the person now.
    """
    if enterprise is not None and enterprise.id not in {e.enterprise_id for e in person.current_employments}:
        raise DomainError("correction.addressee", http_status=400)
    correction = RecordCorrection(
        person_id=person.id,
        enterprise_id=enterprise.id if enterprise else None,
        field=field,
        wrong=wrong.strip(),
        proposed=proposed.strip(),
        created_at=now,
    )
    db.session.add(correction)
    db.session.flush()
    record_event(
        person.id,
        "person.correction_requested",
        {
            "request": correction.id,
            "field": field.value,
            "wrong": correction.wrong,
            "proposed": correction.proposed,
            "to": enterprise.name if enterprise else "",
        },
        actor=actor,
        enterprise_id=correction.enterprise_id,
        at=now,
    )
    return correction


def answer_correction(correction: RecordCorrection, *, accept: bool, note: str, actor, now: datetime) -> None:
    """Accept (with an optional note) or refuse (with a reason) a pending request, once: a conditional UPDATE, so
    two answers at the same moment cannot both land.

    :raises DomainError: ``correction.reason_required`` (refusal without a reason), ``correction.answered``.
    """
    note = (note or "").strip()
    if not accept and not note:
        raise DomainError("correction.reason_required", http_status=400)
    state = CorrectionState.ACCEPTED if accept else CorrectionState.REFUSED
    table = RecordCorrection.__table__
    row = db.session.execute(
        sa.update(table)
        .where(table.c.id == correction.id, table.c.state == CorrectionState.PENDING.value)
        .values(state=state.value, answered_at=now, answered_by_id=actor.id, answer_note=note[:500])
        .returning(table.c.id)
    ).first()
    if row is None:
        raise DomainError("correction.answered")
    db.session.expire(correction)
    record_event(
        correction.person_id,
        "person.correction_answered",
        {"request": correction.id, "field": correction.field.value, "outcome": state.value, "note": note[:500]},
        actor=actor,
        enterprise_id=correction.enterprise_id,
        at=now,
    )
