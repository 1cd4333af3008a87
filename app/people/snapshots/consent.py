"""Consent first: a person answers once per class (lessons) or per sitting (exams); the latest answer counts
and each change is written into the 一人一档 (``snapshot.consent`` / ``snapshot.refused``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.archive.services import record_event
from app.core.clock import utcnow
from app.core.db import insert_on_conflict
from app.extensions import db
from app.people.models import SnapshotConsent, SnapshotContext


def consent_of(person_id: int, context: SnapshotContext, ref_id: int) -> bool | None:
    """True (consented), False (refused) or None (not asked yet)."""
    return db.session.scalar(
        sa.select(SnapshotConsent.granted).where(
            SnapshotConsent.person_id == person_id,
            SnapshotConsent.context == context,
            SnapshotConsent.ref_id == ref_id,
        )
    )


def consent_sql(person_id: sa.ColumnElement, context: SnapshotContext, ref_id: sa.ColumnElement) -> sa.ScalarSelect:
    """:func:`consent_of` as a scalar SQL subquery, for a statement that reads it with other things (the lesson
    page and its start: ``app.training.study.my_lesson_page``)."""
    c = SnapshotConsent
    return (
        sa.select(c.granted)
        .where(c.person_id == person_id, c.context == context, c.ref_id == ref_id)
        .limit(1)
        .scalar_subquery()
    )


def record_consent(
    person_id: int,
    context: SnapshotContext,
    ref_id: int,
    granted: bool,
    *,
    title: str,
    actor,
    now: datetime | None = None,
) -> bool:
    """Record the person's answer (the latest counts: consent can be given after a refusal and withdrawn again,
    个人信息保护法 第十五条) and write it into the 一人一档 when it changed.

    One ``INSERT … ON CONFLICT DO UPDATE … WHERE granted IS DISTINCT FROM :granted RETURNING``: of two racing
    answers each change is recorded once, and an answer that changes nothing writes nothing.

    :param ref_id: the class id (lessons) or sitting id (exams).
    :param title: the class's or sitting's title, for the 一人一档.
    :return: True when the answer changed.
    """
    now = now or utcnow()
    c = SnapshotConsent
    stmt = insert_on_conflict(db.session, c).values(
        person_id=person_id, context=context, ref_id=ref_id, granted=granted, at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[c.person_id, c.context, c.ref_id],
        set_={"granted": granted, "at": now},
        where=c.granted.is_distinct_from(granted),
    ).returning(c.id)
    if db.session.execute(stmt).first() is None:
        return False
    record_event(
        person_id,
        "snapshot.consent" if granted else "snapshot.refused",
        {"context": context.value, "ref": ref_id, "title": title},
        actor=actor,
        at=now,
    )
    return True
