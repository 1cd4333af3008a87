"""逢查必考 inspections, their tickets and findings, and the bodies that create and close them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.api.schemas.common import PublicId, Strict, Username, text
from app.api.schemas.people import EnterpriseRef, PersonRef


class Ticket(BaseModel):
    id: str
    person: PersonRef
    post: str
    reason: str
    status: str
    status_name: str
    answered: bool
    score: float | None
    max_score: float | None
    passed: bool | None
    graded_at: datetime | None
    entry_url: str | None = Field(
        description="The ticket's link (the QR the person scans) while it is live; only for `inspections:write`."
    )
    code: str | None = Field(description="The 6-character code typed at /s instead of scanning; as `entry_url`.")


class Finding(BaseModel):
    id: str
    inspection: str
    person: PersonRef
    action: str
    deadline: date
    status: str
    status_name: str
    overdue: bool
    closed_at: datetime | None


class FindingPage(BaseModel):
    data: list[Finding]
    next_cursor: str | None


class Inspection(BaseModel):
    id: str
    enterprise: EnterpriseRef
    inspected_on: date
    officers: str = Field(description="执法人员, as written on the 执法文书.")
    doc_number: str = Field(description="执法文书号")
    status: str = Field(description="open | closed")
    opened_at: datetime
    test_closes_at: datetime = Field(description="When the on-site 逢查必考 test closes at the latest.")
    closed_at: datetime | None
    conclusion: str
    tickets: list[Ticket]
    findings: list[Finding]


class InspectionSummary(BaseModel):
    id: str
    enterprise: EnterpriseRef
    inspected_on: date
    doc_number: str
    status: str
    closed_at: datetime | None


class InspectionPage(BaseModel):
    data: list[InspectionSummary]
    next_cursor: str | None


class SampleRule(Strict):
    principal: int = Field(1, ge=0, le=20)
    safety_manager: int = Field(2, ge=0, le=50)
    special_operator: int = Field(2, ge=0, le=50)
    worker: int = Field(3, ge=0, le=100)


class InspectionCreate(Strict):
    enterprise: PublicId
    inspected_on: date
    doc_number: text(80)
    officers: list[Username] = Field(
        min_length=1,
        max_length=10,
        description="The 执法人员's Anpei accounts (regulators of the client's jurisdiction who may inspect the "
        "enterprise); the first leads the inspection.",
    )
    sample: SampleRule | None = Field(None, description="How many of each post are drawn; the platform's default.")
    window_minutes: int | None = Field(None, ge=5, le=480, description="How long the on-site test stays open.")
    time_limit_minutes: int | None = Field(None, ge=1, le=120, description="Each person's time for the paper.")
    pass_mark: float | None = Field(None, ge=0, le=100)


class InspectionClose(Strict):
    officer: Username = Field(description="The account closing it (an officer of the inspection's jurisdiction).")
    conclusion: text(2000, required=False) = Field("", description="检查结论: kept on the inspection.")


class FindingCreate(Strict):
    officer: Username
    person: PublicId = Field(description="A person tested in this inspection.")
    action: text(200) = Field(description="整改要求")
    deadline: date


class FindingClose(Strict):
    officer: Username
    reason: text(200, required=False) = Field(
        "", description="Required unless the person passed the 补考 (人工销号 reason)."
    )
