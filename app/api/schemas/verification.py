"""Public verification of a certificate."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from app.api.schemas.common import Strict, text


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
