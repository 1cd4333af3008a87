"""Certificates, their obligations and changes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.api.schemas.common import PageQuery, PublicId
from app.api.schemas.people import PersonRef


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
