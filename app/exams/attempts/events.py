"""An attempt's steps in the candidate's 一人一档."""

from __future__ import annotations

from app.archive.services import record_event
from app.exams.models import Sitting


def attempt_event(sitting: Sitting, person_id: int, kind: str, payload: dict, *, actor=None, at=None) -> None:
    """One archive event in the candidate's 一人一档, tagged with the organising enterprise (if any)."""
    record_event(
        person_id,
        kind,
        {"sitting": sitting.id, "title": sitting.title, "exam_kind": sitting.kind.value, **payload},
        actor=actor,
        enterprise_id=sitting.enterprise_id,
        at=at,
    )
