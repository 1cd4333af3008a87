"""The calling client itself and its webhook subscriptions and deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from app.api.schemas.common import Strict


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
