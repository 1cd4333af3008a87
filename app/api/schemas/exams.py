"""Exam results, theory and 实操."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.api.schemas.common import PageQuery, PublicId
from app.api.schemas.people import PersonRef


class ExamResult(BaseModel):
    id: str
    person: PersonRef
    sitting_title: str
    exam_kind: str = Field(description="training | qualification | review | makeup | spotcheck | class")
    exam_kind_name: str
    post: str
    operation_code: str
    state: str
    started_at: datetime
    submitted_at: datetime | None
    graded_at: datetime | None
    score: float | None
    max_score: float | None
    passed: bool | None


class ExamResultPage(BaseModel):
    data: list[ExamResult]
    next_cursor: str | None


class PracticalResult(BaseModel):
    id: str
    person: PersonRef
    operation_code: str
    exam_on: date
    site_name: str
    attempt_no: int
    score: float | None
    max_score: float | None
    passed: bool | None
    vetoed: bool | None
    graded_at: datetime | None


class PracticalResultPage(BaseModel):
    data: list[PracticalResult]
    next_cursor: str | None


class ResultQuery(PageQuery):
    person: PublicId | None = Field(None, description="Only this person's results.")
    graded_only: bool = Field(True, description="Only graded results.")
