"""Enterprises, persons and their employments."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from app.api.schemas.common import PageQuery, Strict


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
