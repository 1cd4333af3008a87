"""Enrolment gates: checks that a layer above exams registers (training's hours before a 资格考试 or 复审考试)
without exams importing it.

A gate is ``fn(person_id, *, kind, post, operation_code, on) -> str | None``: the reason (translated, with the
person's name) the person may not sit a sitting of that kind, or None. An organiser may still admit a refused
candidate with a reason; :func:`app.exams.sittings.add_candidates` writes that override into the person's file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from app.exams.models import ExamKind

Gate = Callable[..., str | None]

#: The kinds a candidate must pass the gates for: the authority's exams (补考 and class exams inherit nothing).
GATED_KINDS = (ExamKind.QUALIFICATION, ExamKind.REVIEW)

_GATES: list[Gate] = []


def register_enrolment_gate(fn: Gate) -> Gate:
    """Add a gate (once, however often the registering module is imported)."""
    if fn not in _GATES:
        _GATES.append(fn)
    return fn


def refusals(kind: ExamKind, post: str, operation_code: str, person_ids, on: date) -> dict[int, str]:
    """person id → the first gate's reason, for those the gates refuse (empty for ungated kinds)."""
    if kind not in GATED_KINDS:
        return {}
    out: dict[int, str] = {}
    for person_id in dict.fromkeys(person_ids):
        for gate in _GATES:
            reason = gate(person_id, kind=kind.value, post=post, operation_code=operation_code, on=on)
            if reason:
                out[person_id] = reason
                break
    return out
