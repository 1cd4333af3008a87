"""The API's request and response shapes (pydantic models): validation and the OpenAPI 3.1 document both come from
here (``app.api.spec``). Ids are public ids (``app.api.ids``); times are ISO 8601 with the offset of the client's
zone; dates are ISO dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

PublicId = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,5}_[0-9a-f]{32}$")]
Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")]


def text(max_length: int, *, required: bool = True):
    """A string of at most ``max_length`` characters (at least one when required). No silent stripping: what the
    document allows is what validation accepts; a view refuses a required field of only spaces (``api.blank``)."""
    return Annotated[str, StringConstraints(min_length=1 if required else 0, max_length=max_length)]


class Strict(BaseModel):
    """Request bodies: unknown fields are refused (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- errors and paging


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable dotted code, e.g. `api.scope_missing`, `cert.state_changed`.")
    message: str = Field(description="The code's message in Chinese, for people.")


class Error(BaseModel):
    """The one error shape of the API."""

    error: ErrorDetail


class IdempotencyHeaders(BaseModel):
    """Every POST that creates or changes something carries a key of the client's choosing: a retry with the same
    key (and the same request) changes nothing again and gets the first answer back."""

    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")] = Field(
        alias="Idempotency-Key", description="Unique per intended change, e.g. a UUID."
    )


class PageQuery(Strict):
    cursor: Annotated[str, StringConstraints(pattern=r"^cur_[0-9a-f]{32}$")] | None = Field(
        None, description="`next_cursor` of the previous page; omit for the first page."
    )
    limit: int = Field(50, ge=1, le=200, description="Items per page.")


# ---------------------------------------------------------------- people


class EnterpriseRef(BaseModel):
    id: str
    name: str
    uscc: str = Field(description="统一社会信用代码")


class Enterprise(EnterpriseRef):
    industry: str
    industry_name: str
    high_risk: bool = Field(description="高危 (煤矿、非煤矿山、危险化学品、烟花爆竹、金属冶炼)")
    region_code: str = Field(description="行政区划代码")
    affiliation: str


class EnterprisePage(BaseModel):
    data: list[Enterprise]
    next_cursor: str | None


class EnterpriseQuery(PageQuery):
    uscc: Annotated[str, StringConstraints(max_length=18)] | None = Field(
        None, description="Only the enterprise with this 统一社会信用代码."
    )


class PersonRef(BaseModel):
    id: str
    name: str
    id_number: str = Field(description="证件号码, masked (`3201**********1234`) unless policy shows it in full.")
    id_number_masked: bool


class Employment(BaseModel):
    id: str
    enterprise: EnterpriseRef
    post: str = Field(description="principal | safety_manager | special_operator | worker")
    post_name: str
    employment_type: str
    operation_code: str | None = Field(description="作业类别/操作项目 code of a special operator, e.g. `1.2`.")
    job_title: str
    start_date: date
    end_date: date | None
    current: bool


class Person(PersonRef):
    id_type: str
    sex: str
    birth_date: date | None
    employments: list[Employment] = Field(description="The employments the client may see.")


class PersonLookup(Strict):
    id_number: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{6,40}$")] = Field(
        description="The whole 证件号码."
    )
    id_type: Literal["resident_id", "hmt_residence_permit", "foreign_permanent_id"] | None = Field(
        None, description="证件类型; any when omitted."
    )


# ---------------------------------------------------------------- certificates


class Obligation(BaseModel):
    duty: str = Field(description="review (复审) | extend (延期复审) | renew (换证) | renew_manager (延期换证)")
    duty_name: str
    due_on: date
    opens_on: date
    apply_by: date
    basis: str = Field(description="The legal basis of the rule in force on the due date.")


class Certificate(BaseModel):
    id: str
    kind: str = Field(description="special_operator | manager | training")
    kind_name: str
    number: str = Field(description="证号, masked like the holder's ID number where that is masked.")
    holder: PersonRef
    category: str
    category_name: str
    item: str
    item_name: str
    authority: str = Field(description="发证机关")
    region_code: str
    first_issued_on: date
    valid_from: date
    valid_to: date
    review_due_on: date | None = Field(description="应复审日期, only where 30号令's 复审 applies to the certificate.")
    status: str = Field(
        description="Today's status by the rule in force on each obligation's due date: valid, renewal_due, "
        "out_of_date, review_due, review_overdue, expired, suspended, revoked, cancelled."
    )
    status_name: str
    next_obligation: Obligation | None


class CertificateChange(BaseModel):
    id: str
    kind: str
    kind_name: str
    on_date: date
    reason: str
    doc_number: str
    at: datetime


class CertificateDetail(Certificate):
    history: list[CertificateChange]


class CertificatePage(BaseModel):
    data: list[Certificate]
    next_cursor: str | None


class CertificateQuery(PageQuery):
    status: (
        Literal[
            "valid",
            "renewal_due",
            "out_of_date",
            "review_due",
            "review_overdue",
            "expired",
            "suspended",
            "revoked",
            "cancelled",
        ]
        | None
    ) = Field(None, description="Only certificates with this status today.")
    person: PublicId | None = Field(None, description="Only this holder's certificates.")
    kind: Literal["special_operator", "manager", "training"] | None = None


# ---------------------------------------------------------------- training


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


# ---------------------------------------------------------------- exams


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


# ---------------------------------------------------------------- inspections


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


# ---------------------------------------------------------------- roster (三项岗位 before an inspection)


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


# ---------------------------------------------------------------- public verification


class VerifyLookup(Strict):
    by: Literal["number", "id_number"] = Field(description="证号 or 证件号码")
    key: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{1,40}$")] = Field(description="The 证号 or 证件号码")
    name: text(50) = Field(description="姓名 (must match)")


class PublicRecord(BaseModel):
    kind: str
    status: str
    status_value: str
    number: str
    name: str
    sex: str
    id_masked: str
    category_label: str
    category: str
    item_label: str
    item: str
    first_issued: str
    valid_from: str
    valid_to: str
    review_due: str
    next_duty: str
    next_due: str
    reviewed_on: str
    authority: str
    hours: str
    training_dates: str


class Verification(BaseModel):
    records: list[PublicRecord]


# ---------------------------------------------------------------- the client itself, webhooks


class Me(BaseModel):
    id: str
    name: str
    tenant_kind: str
    tenant_name: str
    region_code: str
    scopes: list[str]
    rate_limit_per_minute: int


class SubscriptionCreate(Strict):
    url: Annotated[str, StringConstraints(min_length=8, max_length=500)]
    events: list[Literal["certificate.status_changed", "inspection.closed", "finding.due", "training.completed"]] = (
        Field(min_length=1, max_length=4)
    )


class Subscription(BaseModel):
    id: str
    url: str
    events: list[str]
    created_at: datetime


class SubscriptionList(BaseModel):
    data: list[Subscription]


class Delivery(BaseModel):
    id: str
    subscription: str
    event_id: str
    event_kind: str
    occurred_at: datetime
    state: str
    attempts: int
    last_status: int | None
    last_error: str
    next_try_at: datetime | None
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    data: list[Delivery]
    next_cursor: str | None
