"""The 考试记录 of a person's record (``app.people.sections``): graded theory attempts and scored practical exams.

A 逢查必考 attempt is left to the 逢查必考 section (``app.spotchecks.sections``). The person is already in the viewer's
scope; their exam results are part of that record (practical results are reached only there by employers).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.core.clock import format_local, to_local
from app.exams.models import Attempt, AttemptState, ExamKind, Sitting
from app.exams.practical.models import PracticalAttempt
from app.extensions import db
from app.people.archive_events import operation_text
from app.people.sections import ExamResult, passed_outcome, register_exams, register_record_regions, score_text


@register_exams
def exams_of(user, person) -> list[ExamResult]:
    """Graded theory attempts (all kinds but 逢查必考) and scored practical attempts, newest first."""
    theory = db.session.scalars(
        sa.select(Attempt)
        .join(Attempt.sitting)
        .where(
            Attempt.person_id == person.id,
            Attempt.state == AttemptState.GRADED,
            Sitting.kind != ExamKind.SPOTCHECK,
        )
        .options(so.contains_eager(Attempt.sitting))
    ).all()
    rows: list[tuple] = []
    for a in theory:
        at = a.graded_at or a.submitted_at or a.started_at
        rows.append(
            (
                at,
                ExamResult(
                    part=_("理论"),
                    kind=a.sitting.kind.label,
                    title=a.sitting.title,
                    when=format_local(at),
                    score=score_text(a.score, a.max_score),
                    outcome=passed_outcome(a.passed),
                ),
            )
        )
    practical = db.session.scalars(
        sa.select(PracticalAttempt)
        .where(PracticalAttempt.person_id == person.id, PracticalAttempt.graded_at.is_not(None))
        .options(so.joinedload(PracticalAttempt.sitting))
    ).all()
    for p in practical:
        rows.append(
            (
                p.graded_at,
                ExamResult(
                    part=_("实操"),
                    kind=operation_text(p.operation_code),
                    title=p.sitting.title,
                    when=p.exam_on.isoformat(),
                    score=score_text(p.score, p.max_score),
                    outcome=passed_outcome(p.passed, vetoed=p.vetoed),
                ),
            )
        )
    rows.sort(key=lambda r: r[0], reverse=True)
    return [row for _at, row in rows]


@register_record_regions
def sitting_regions(person_ids: list[int]) -> dict[int, list[tuple]]:
    """The regions of the sittings each person was graded in, each from the first grading (a regulator's export of
    exam results covers its region's sittings: ``app.people.access_log.exports_covering``)."""
    rows = db.session.execute(
        sa.select(Attempt.person_id, Sitting.region_code, sa.func.min(Attempt.graded_at))
        .join(Attempt, Attempt.sitting_id == Sitting.id)
        .where(Attempt.person_id.in_(person_ids), Attempt.state == AttemptState.GRADED)
        .group_by(Attempt.person_id, Sitting.region_code)
    )
    found: dict[int, list[tuple]] = {}
    for pid, region, at in rows:
        if region and at is not None:
            found.setdefault(pid, []).append((region, to_local(at).date()))
    return found
