"""The data-exchange API: clients, the call log, idempotency records, webhook subscriptions, events and deliveries.

Revision ID: 0601
Revises: 0303
"""

import sqlalchemy as sa
from alembic import op

revision = "0601"
down_revision = "0303"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_clients",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("tenant_kind", sa.String(32), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), sa.ForeignKey("people_jurisdictions.id", name="fk_api_clients_jurisdiction_id_people_jurisdictions")),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("people_enterprises.id", name="fk_api_clients_enterprise_id_people_enterprises")),
        sa.Column("institution_id", sa.Integer(), sa.ForeignKey("people_institutions.id", name="fk_api_clients_institution_id_people_institutions")),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("token_hint", sa.String(16), nullable=False),
        sa.Column("secret_enc", sa.LargeBinary(), nullable=False),
        sa.Column("rate_limit", sa.Integer()),
        sa.Column("note", sa.String(300), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("auth_users.id", name="fk_api_clients_created_by_id_auth_users")),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("rotated_at", sa.DateTime()),
        sa.Column("revoked_at", sa.DateTime()),
        sa.Column("revoked_by_id", sa.Integer(), sa.ForeignKey("auth_users.id", name="fk_api_clients_revoked_by_id_auth_users")),
        sa.Column("last_used_at", sa.DateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_api_clients"),
        sa.UniqueConstraint("token_hash", name="uq_api_clients_token_hash"),
    )
    op.create_index("ix_api_clients_region_code", "api_clients", ["region_code"])

    op.create_table(
        "api_calls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("api_clients.id", name="fk_api_calls_client_id_api_clients")),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("route", sa.String(200), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(60), nullable=False),
        sa.Column("objects", sa.JSON(), nullable=False),
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_api_calls"),
    )
    op.create_index("ix_api_calls_client_id_id", "api_calls", ["client_id", "id"])
    op.create_index("ix_api_calls_at", "api_calls", ["at"])

    op.create_table(
        "api_idempotency",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("api_clients.id", name="fk_api_idempotency_client_id_api_clients"), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer()),
        sa.Column("body_enc", sa.LargeBinary()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_api_idempotency"),
        sa.UniqueConstraint("client_id", "key", name="uq_api_idempotency_client_id"),
    )
    op.create_index("ix_api_idempotency_created_at", "api_idempotency", ["created_at"])

    op.create_table(
        "api_webhook_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("api_clients.id", name="fk_api_webhook_subscriptions_client_id_api_clients"), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_api_webhook_subscriptions"),
    )
    op.create_index("ix_api_webhook_subscriptions_client_id", "api_webhook_subscriptions", ["client_id"])

    op.create_table(
        "api_webhook_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(120)),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("fanned_out_at", sa.DateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_api_webhook_events"),
        sa.UniqueConstraint("dedupe_key", name="uq_api_webhook_events_dedupe_key"),
    )
    op.create_index("ix_api_webhook_events_fanned_out_at", "api_webhook_events", ["fanned_out_at"])

    op.create_table(
        "api_webhook_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("api_webhook_events.id", name="fk_api_webhook_deliveries_event_id"), nullable=False),
        sa.Column("subscription_id", sa.Integer(), sa.ForeignKey("api_webhook_subscriptions.id", name="fk_api_webhook_deliveries_subscription_id"), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime()),
        sa.Column("claimed_at", sa.DateTime()),
        sa.Column("claim_token", sa.String(32)),
        sa.Column("delivered_at", sa.DateTime()),
        sa.Column("last_status", sa.Integer()),
        sa.Column("last_error", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_api_webhook_deliveries"),
        sa.UniqueConstraint("event_id", "subscription_id", name="uq_api_webhook_deliveries_event_id"),
    )
    op.create_index("ix_api_webhook_deliveries_state_next", "api_webhook_deliveries", ["state", "next_try_at"])
    op.create_index("ix_api_webhook_deliveries_subscription_id", "api_webhook_deliveries", ["subscription_id"])


def downgrade():
    for table in (
        "api_webhook_deliveries",
        "api_webhook_events",
        "api_webhook_subscriptions",
        "api_idempotency",
        "api_calls",
        "api_clients",
    ):
        op.drop_table(table)
