"""API clients (systems, not people), the call log, idempotency records and webhooks.

A client is bound to one tenant — a jurisdiction, an enterprise or an institution — and to scopes. Its bearer token
is shown once and stored as a sha256 (a 256-bit random token needs no slow hash); its webhook signing secret is kept
encrypted (``app.core.crypto``), since signing needs it in clear.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm as so

from app.core.db import utcnow
from app.core.enums import LabelledEnum, enum_column
from app.extensions import db
from app.tenancy.models import Enterprise, Jurisdiction, TrainingInstitution


class TenantKind(LabelledEnum):
    JURISDICTION = "jurisdiction", _l("监管部门（行政区划）")
    ENTERPRISE = "enterprise", _l("企业")
    INSTITUTION = "institution", _l("培训机构")


class ApiScope(LabelledEnum):
    """What a client may do. A jurisdiction's client may hold every scope; an enterprise's or institution's all but
    ``inspections:write`` (opening an inspection is an authority's act)."""

    PERSONS_READ = "persons:read", _l("人员与任职（按证件号码查询）")
    CERTIFICATES_READ = "certificates:read", _l("证书及其状态、历史")
    TRAINING_READ = "training:read", _l("学时台账与培训完成")
    EXAMS_READ = "exams:read", _l("考试成绩（理论与实操）")
    INSPECTIONS_READ = "inspections:read", _l("执法检查、逢查必考与整改问题")
    INSPECTIONS_WRITE = "inspections:write", _l("创建执法检查、推送结果与整改问题")
    WEBHOOKS = "webhooks:manage", _l("订阅事件推送（Webhook）")


#: Scopes only a jurisdiction's client may hold.
AUTHORITY_SCOPES = frozenset({ApiScope.INSPECTIONS_WRITE})


class ApiClient(db.Model):
    __tablename__ = "api_clients"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    tenant_kind: so.Mapped[TenantKind] = so.mapped_column(enum_column(TenantKind))
    #: The tenant (exactly one is set, as ``tenant_kind`` says).
    jurisdiction_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_jurisdictions.id"))
    enterprise_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_enterprises.id"))
    institution_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_institutions.id"))
    #: The tenant's 行政区划 code (a copy): who may manage the client (``app.api.scope``) filters on a prefix of it.
    region_code: so.Mapped[str] = so.mapped_column(sa.String(6), index=True)
    #: ``ApiScope`` values.
    scopes: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    #: sha256 of the bearer token (hex); the token itself is shown once.
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    #: The token's first characters, to tell tokens apart on the page.
    token_hint: so.Mapped[str] = so.mapped_column(sa.String(16))
    #: The webhook signing secret, encrypted (shown once, like the token).
    secret_enc: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    #: Requests per minute; None: ``API_RATE_LIMIT``.
    rate_limit: so.Mapped[int | None]
    note: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    rotated_at: so.Mapped[datetime | None]
    revoked_at: so.Mapped[datetime | None]
    revoked_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("auth_users.id"))
    last_used_at: so.Mapped[datetime | None]

    jurisdiction: so.Mapped[Jurisdiction | None] = so.relationship()
    enterprise: so.Mapped[Enterprise | None] = so.relationship()
    institution: so.Mapped[TrainingInstitution | None] = so.relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def tenant_name(self) -> str:
        tenant = self.jurisdiction or self.enterprise or self.institution
        return tenant.name if tenant is not None else ""


class ApiCall(db.Model):
    """One call of the API: who, which route, which objects, how it ended. Written on its own connection, so a
    refused or failed call is logged too."""

    __tablename__ = "api_calls"
    __table_args__ = (sa.Index("ix_api_calls_client_id_id", "client_id", "id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: None for the public verification endpoints and for calls without a valid token.
    client_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("api_clients.id"))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    method: so.Mapped[str] = so.mapped_column(sa.String(8))
    #: The URL rule (``/api/v1/certificates/<cert>``), not the URL: no ID number or token ever lands here.
    route: so.Mapped[str] = so.mapped_column(sa.String(200))
    status: so.Mapped[int]
    error_code: so.Mapped[str] = so.mapped_column(sa.String(60), default="")
    #: Public ids of the objects read or written (at most ``MAX_LOGGED_IDS``), or a count for exports.
    objects: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    ip: so.Mapped[str] = so.mapped_column(sa.String(45), default="")
    duration_ms: so.Mapped[int] = so.mapped_column(default=0)


class IdempotencyRecord(db.Model):
    """The outcome of a POST under an ``Idempotency-Key``: inserted in the same transaction as the work, so a
    concurrent retry waits on the unique key and then replays the stored answer (the body encrypted: it may hold a
    person's data or a ticket's code)."""

    __tablename__ = "api_idempotency"
    __table_args__ = (sa.UniqueConstraint("client_id", "key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("api_clients.id"))
    key: so.Mapped[str] = so.mapped_column(sa.String(200))
    #: sha256 of method, route and body: the same key with another request is refused.
    fingerprint: so.Mapped[str] = so.mapped_column(sa.String(64))
    status: so.Mapped[int | None]
    body_enc: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)


class WebhookSubscription(db.Model):
    __tablename__ = "api_webhook_subscriptions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("api_clients.id"), index=True)
    url: so.Mapped[str] = so.mapped_column(sa.String(500))
    #: Event kinds (``app.api.webhooks.events.EVENTS``).
    events: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    deleted_at: so.Mapped[datetime | None]

    client: so.Mapped[ApiClient] = so.relationship()


class WebhookEvent(db.Model):
    """Something that happened, written in the same transaction as the change (an outbox row); the ``api.fan_out``
    task, sent after the commit, turns it into one delivery per subscription whose client may see it."""

    __tablename__ = "api_webhook_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    #: The internal id of what it is about (a certificate, an inspection, a finding, an enrolment).
    subject_id: so.Mapped[int]
    #: Facts at the time of the event (public ids only).
    payload: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    #: Unique when set: an event that must happen once (a finding falling due) is written once.
    dedupe_key: so.Mapped[str | None] = so.mapped_column(sa.String(120), unique=True)
    occurred_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    fanned_out_at: so.Mapped[datetime | None] = so.mapped_column(index=True)


class DeliveryState(LabelledEnum):
    PENDING = "pending", _l("待发送")
    SENDING = "sending", _l("发送中")
    DELIVERED = "delivered", _l("已送达")
    FAILED = "failed", _l("发送失败（将重试）")
    DEAD = "dead", _l("已放弃")


class WebhookDelivery(db.Model):
    """One event to one subscription. Claimed by a conditional ``UPDATE`` (pending/failed → sending, with a fresh
    ``claim_token``) and recorded by another guarded by that token, so two workers never both send it and a worker
    killed mid-send leaves a ``sending`` row that the sweep hands out again after ``API_WEBHOOK_CLAIM_SECONDS``."""

    __tablename__ = "api_webhook_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "subscription_id"),
        sa.Index("ix_api_webhook_deliveries_state_next", "state", "next_try_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("api_webhook_events.id", name="fk_api_webhook_deliveries_event_id")
    )
    subscription_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("api_webhook_subscriptions.id", name="fk_api_webhook_deliveries_subscription_id"), index=True
    )
    state: so.Mapped[DeliveryState] = so.mapped_column(enum_column(DeliveryState), default=DeliveryState.PENDING)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_try_at: so.Mapped[datetime | None]
    claimed_at: so.Mapped[datetime | None]
    claim_token: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    delivered_at: so.Mapped[datetime | None]
    last_status: so.Mapped[int | None]
    last_error: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    event: so.Mapped[WebhookEvent] = so.relationship()
    subscription: so.Mapped[WebhookSubscription] = so.relationship()
