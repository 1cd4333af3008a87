"""Classes, a person's 学时 ledger and completions."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.api.schemas.common import Strict
from app.api.schemas.people import EnterpriseRef, PersonRef


class ClassRef(BaseModel):
    id: str
    title: str
    training_type: str
    training_type_name: str


class ClassHours(ClassRef):
    mode: str
    starts_on: date
    ends_on: date
    required_hours: float
    hours: float = Field(description="学时 credited in the class (online and offline).")
    completed_at: datetime | None
    exam_passed: bool | None


class PersonTraining(BaseModel):
    person: PersonRef
    year: int
    hours_done: float = Field(description="学时 credited in the year, every class type.")
    hours_required: float | None = Field(description="The year's 再培训 学时 for the current post; null: no rule.")
    classes: list[ClassHours] = Field(description="The classes the client may see that the person is enrolled in.")


class YearQuery(Strict):
    year: int | None = Field(None, ge=2000, le=2100, description="Calendar year; this year when omitted.")


class LedgerRow(BaseModel):
    person: PersonRef
    post: str
    required: float | None
    done: float
    short: float


class Ledger(BaseModel):
    enterprise: EnterpriseRef
    year: int
    rows: list[LedgerRow]


class Completion(BaseModel):
    id: str
    person: PersonRef
    training_class: ClassRef
    completed_at: datetime


class CompletionPage(BaseModel):
    data: list[Completion]
    next_cursor: str | None
