"""The roster of 三项岗位 before an inspection: each person's certificates and hours."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from app.api.schemas.certificates import Obligation
from app.api.schemas.people import Enterprise, PersonRef


class RosterCertificate(BaseModel):
    id: str
    kind: str
    number: str
    item_name: str
    status: str
    status_name: str
    valid_to: date
    next_obligation: Obligation | None


class RosterHours(BaseModel):
    year: int
    required: float | None
    done: float
    short: float


class RosterLine(BaseModel):
    person: PersonRef
    post: str
    post_name: str
    employment_type: str
    operation_code: str | None
    start_date: date
    certificate: RosterCertificate | None = Field(description="The certificate covering the post (持证上岗), if any.")
    holds: bool = Field(description="The certificate allows the person to work in the post today.")
    overdue_appointment: bool = Field(description="A 高危 unit's manager past 6 months without a valid 合格证.")
    hours: RosterHours


class Roster(BaseModel):
    enterprise: Enterprise
    as_of: date
    lines: list[RosterLine]
    required: int
    holding: int
