"""Exam results (``exams:read``): theory attempts and 实操 results of the sittings the client may see."""

from __future__ import annotations

from sqlalchemy import orm as so

from app.api import bp, represent
from app.api.base_views import endpoint, principal, touched
from app.api.models import ApiScope
from app.api.params import page, person_filter
from app.api.schemas import exams as exam_schemas
from app.api.spec import responses, validate
from app.exams import scope as exam_scope
from app.exams.models import Attempt, AttemptState
from app.exams.practical.models import PracticalAttempt


@bp.route("/exam-results")
@endpoint(ApiScope.EXAMS_READ)
@validate(
    query=exam_schemas.ResultQuery, resp=responses(cached=True, HTTP_200=exam_schemas.ExamResultPage), tags=["exams"]
)
def exam_results(query: exam_schemas.ResultQuery):
    """Theory exam results (资格考试, 复审考试, 补考, 培训考试, 逢查必考 …) of the sittings the client may see."""
    p = principal()
    q = exam_scope.attempts_query(p).options(so.selectinload(Attempt.sitting), so.selectinload(Attempt.person))
    if query.graded_only:
        q = q.where(Attempt.state == AttemptState.GRADED)
    q = person_filter(q, Attempt.person_id, query.person)
    rows, cursor = page(q, Attempt, query)
    data = [represent.exam_result(p, a) for a in rows]
    touched(*(d["id"] for d in data))
    return {"data": data, "next_cursor": cursor}


@bp.route("/practical-results")
@endpoint(ApiScope.EXAMS_READ)
@validate(
    query=exam_schemas.ResultQuery,
    resp=responses(cached=True, HTTP_200=exam_schemas.PracticalResultPage),
    tags=["exams"],
)
def practical_results(query: exam_schemas.ResultQuery):
    """实操 (practical exam) results of the sittings the client may see (the examining authority's: a jurisdiction's
    clients)."""
    p = principal()
    q = exam_scope.practical_attempts_query(p).options(
        so.selectinload(PracticalAttempt.sitting), so.selectinload(PracticalAttempt.person)
    )
    if query.graded_only:
        q = q.where(PracticalAttempt.graded_at.is_not(None))
    q = person_filter(q, PracticalAttempt.person_id, query.person)
    rows, cursor = page(q, PracticalAttempt, query)
    data = [represent.practical_result(p, a) for a in rows]
    touched(*(d["id"] for d in data))
    return {"data": data, "next_cursor": cursor}
